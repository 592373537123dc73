import type { Severity } from '../../events/event.types.js';
import type { MatchableEvent } from './labels.js';
import {
  compileFilter,
  filterProblems,
  matchText,
  Matcher,
  MAX_MATCH_TEXT,
  TriggerFilter,
  withoutBlanks,
} from './trigger-filter.js';

const event = (over: Partial<MatchableEvent> = {}): MatchableEvent => ({
  type: 'backup.failed',
  source: 'backup',
  subject: 'nas-01',
  origin: null,
  severity: 'error',
  data: { message: 'disk /dev/sda1 full', code: 28, nested: { host: 'nas-01', ok: false } },
  ...over,
});
const spec = (matchers: Matcher[], filter: TriggerFilter['filter'] = {}): TriggerFilter => ({
  matchers,
  filter,
});
const matches = (s: TriggerFilter, e: MatchableEvent = event()) => compileFilter(s)(e);
const m = (label: string, op: Matcher['op'], value: string): Matcher => ({ label, op, value });

describe('trigger filters', () => {
  it('matches every event when empty', () => {
    expect(matches(spec([]))).toBe(true);
    expect(matches(spec([]), event({ type: 'x', source: 'y', data: {} }))).toBe(true);
  });

  it('compares = and != on each fixed label', () => {
    expect(matches(spec([m('type', '=', 'backup.failed')]))).toBe(true);
    expect(matches(spec([m('type', '=', 'backup')]))).toBe(false);
    expect(matches(spec([m('source', '!=', 'nas')]))).toBe(true);
    expect(matches(spec([m('source', '!=', 'backup')]))).toBe(false);
    expect(matches(spec([m('subject', '=', 'nas-01')]))).toBe(true);
    expect(matches(spec([m('severity', '=', 'error')]))).toBe(true);
    expect(matches(spec([m('origin', '=', 'webhooks')]), event({ origin: 'webhooks' }))).toBe(true);
  });

  it('treats a missing label as the empty string, like Alertmanager', () => {
    expect(matches(spec([m('subject', '=', '')]), event({ subject: null }))).toBe(true);
    expect(matches(spec([m('origin', '=', '')]))).toBe(true);
    expect(matches(spec([m('data.absent', '=', '')]))).toBe(true);
    expect(matches(spec([m('data.absent', '!=', '')]))).toBe(false);
    expect(matches(spec([m('data.message.deeper', '=', '')]))).toBe(true);
  });

  it('reads dotted data paths; numbers and booleans as their JSON text', () => {
    expect(matches(spec([m('data.nested.host', '=', 'nas-01')]))).toBe(true);
    expect(matches(spec([m('data.code', '=', '28')]))).toBe(true);
    expect(matches(spec([m('data.nested.ok', '=', 'false')]))).toBe(true);
  });

  it('anchors =~ and !~ to the whole value', () => {
    expect(matches(spec([m('data.message', '=~', 'disk .* full')]))).toBe(true);
    expect(matches(spec([m('data.message', '=~', 'disk')]))).toBe(false);
    expect(matches(spec([m('data.message', '=~', 'sda1|disk .*')]))).toBe(true);
    expect(matches(spec([m('data.message', '=~', '.*sda1.*')]))).toBe(true);
    expect(matches(spec([m('source', '=~', 'back')]))).toBe(false);
    expect(matches(spec([m('source', '=~', 'back.*|nas')]))).toBe(true);
    expect(matches(spec([m('source', '!~', 'back')]))).toBe(true);
    expect(matches(spec([m('source', '!~', 'backup|nas')]))).toBe(false);
  });

  it('ANDs matchers', () => {
    expect(matches(spec([m('source', '=', 'backup'), m('severity', '=', 'error')]))).toBe(true);
    expect(matches(spec([m('source', '=', 'backup'), m('severity', '=', 'info')]))).toBe(false);
  });

  it('searches messageRegex unanchored in data.message', () => {
    expect(matches(spec([], { messageRegex: 'disk .* full' }))).toBe(true);
    expect(matches(spec([], { messageRegex: '^disk' }))).toBe(true);
    expect(matches(spec([], { messageRegex: '^full' }))).toBe(false);
    expect(matches(spec([], { messageRegex: 'disk' }), event({ data: {} }))).toBe(false);
  });

  it('reads severity and source as comma-separated lists, spaces ignored', () => {
    expect(matches(spec([], { severity: 'warning, error' }))).toBe(true);
    expect(matches(spec([], { severity: ' critical ,warning ' }))).toBe(false);
    expect(matches(spec([], { source: 'nas,  backup' }))).toBe(true);
    expect(matches(spec([], { source: 'nas' }))).toBe(false);
    expect(matches(spec([], { source: 'back' }))).toBe(false);
  });

  it('compares severityAtLeast in the bus order', () => {
    const at = (severity: Severity) =>
      matches(spec([], { severityAtLeast: 'warning' }), event({ severity }));
    expect(['debug', 'info', 'notice'].map((s) => at(s as Severity))).toEqual([
      false,
      false,
      false,
    ]);
    expect(['warning', 'error', 'critical'].map((s) => at(s as Severity))).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('ANDs shorthands with matchers', () => {
    const s = spec([m('type', '=', 'backup.failed')], { severityAtLeast: 'critical' });
    expect(matches(s)).toBe(false);
    expect(matches(s, event({ severity: 'critical' }))).toBe(true);
  });

  it('names each bad matcher, regex and severity', () => {
    expect(
      filterProblems(
        spec(
          [
            m('type', '=', 'ok'),
            m('labels.x', '=', 'a'),
            m('data.message', '=~', '(a'),
            m('source', '!~', '(?<=x)y'),
            m('data.', '=', 'a'),
          ],
          { severity: 'error, loud', messageRegex: '[z-a]' },
        ),
      ).map((e) => e.field),
    ).toEqual([
      'matchers[1].label',
      'matchers[2].value',
      'matchers[3].value',
      'matchers[4].label',
      'filter.severity',
      'filter.messageRegex',
    ]);
    expect(filterProblems(spec([m('data.a.b-c_d', '=~', 'x+')], { severity: 'info' }))).toEqual([]);
  });

  it('reads at most the first 16 KiB of a value, never half a surrogate pair', () => {
    const long = 'x'.repeat(MAX_MATCH_TEXT) + 'needle';
    expect(matches(spec([], { messageRegex: 'needle' }), event({ data: { message: long } }))).toBe(
      false,
    );
    expect(matchText(long)).toHaveLength(MAX_MATCH_TEXT);
    expect(matchText('x'.repeat(MAX_MATCH_TEXT - 1) + '\u{1F600}')).toHaveLength(
      MAX_MATCH_TEXT - 1,
    );
  });

  it('refuses the costly patterns at save, naming the field', () => {
    expect(
      filterProblems(
        spec([m('data.message', '=~', '[ab]*a[ab]{1000}[c-z]')], {
          messageRegex: 'error.{0,1000}timeout',
        }),
      ),
    ).toEqual([
      { field: 'matchers[0].value', message: expect.stringMatching(/too costly.*limit is 250/) },
      { field: 'filter.messageRegex', message: expect.stringMatching(/too costly/) },
    ]);
  });

  it('does not refuse a regex-looking value on = or !=', () => {
    expect(filterProblems(spec([m('source', '=', '(a')]))).toEqual([]);
  });

  it('stays linear on patterns that make backtracking engines hang', () => {
    const input = 'a'.repeat(16_000) + '!';
    const started = performance.now();
    expect(
      matches(spec([m('data.message', '=~', '(a+)+$')]), event({ data: { message: input } })),
    ).toBe(false);
    expect(
      matches(spec([], { messageRegex: '(a|aa)+$' }), event({ data: { message: input } })),
    ).toBe(false);
    expect(
      matches(spec([m('data.message', '=~', '(a*)*b')]), event({ data: { message: input } })),
    ).toBe(false);
    // A backtracking engine takes longer than the age of the universe here; RE2 milliseconds.
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('takes a blank shorthand for an absent one, as the seed does', () => {
    const blank = { severity: '', source: ' , ', messageRegex: '' };
    expect(withoutBlanks(blank)).toEqual({});
    expect(withoutBlanks({ severity: 'error', source: '' })).toEqual({ severity: 'error' });
    // A regex of spaces is a regex: it searches for a space.
    expect(withoutBlanks({ messageRegex: ' ' })).toEqual({ messageRegex: ' ' });
    for (const severity of ['debug', 'critical'] as Severity[])
      expect(matches(spec([], blank), event({ severity, source: 'anything' }))).toBe(true);
    expect(matches(spec([], { severity: '', source: 'nas' }), event())).toBe(false);
  });
});
