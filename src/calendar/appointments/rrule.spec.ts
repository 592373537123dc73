import { isRrule } from './rrule.js';

describe('isRrule (RRULE values read with ical.js)', () => {
  it.each([
    'FREQ=WEEKLY;COUNT=4',
    'FREQ=DAILY',
    'FREQ=MONTHLY;BYDAY=-1FR;INTERVAL=2',
    'FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=+29;UNTIL=20301231T235959Z',
    'FREQ=WEEKLY;UNTIL=20301231;WKST=SU;BYDAY=MO,WE,FR',
    'freq=WEEKLY;count=4',
  ])('accepts %s', (rule) => {
    expect(isRrule(rule)).toBe(true);
  });

  it.each([
    ['a line break that would start a property of its own', 'FREQ=DAILY\r\nX-EVIL:1'],
    ['a line break after a number ical.js would read', 'FREQ=DAILY;COUNT=4\r\nX-EVIL:1'],
    ['a space', 'FREQ=DAILY; COUNT=4'],
    ['no FREQ', 'COUNT=4'],
    ['an unknown frequency', 'FREQ=FORTNIGHTLY'],
    ['a lowercase frequency (ical.js cannot write it)', 'FREQ=weekly'],
    ['an unknown day', 'FREQ=WEEKLY;BYDAY=XX'],
    ['a month out of range', 'FREQ=YEARLY;BYMONTH=13'],
    ['a count that is not a number', 'FREQ=DAILY;COUNT=many'],
    ['an end that is not a date', 'FREQ=DAILY;UNTIL=soon'],
    ['an unknown week start', 'FREQ=WEEKLY;WKST=XY'],
    ['a part that is not RFC 5545', 'FREQ=DAILY;X-NAME=1'],
    ['a part given twice', 'FREQ=DAILY;FREQ=WEEKLY'],
    ['a part without a value', 'FREQ=DAILY;COUNT='],
    ['a part with two values', 'FREQ=DAILY=WEEKLY'],
    ['an empty part', 'FREQ=DAILY;'],
    ['a property line instead of a value', 'RRULE:FREQ=DAILY'],
    ['nothing', ''],
  ])('refuses %s', (_why, rule) => {
    expect(isRrule(rule)).toBe(false);
  });
});
