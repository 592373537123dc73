import { shapeBody } from './body-shape.js';

const TS = '2026-12-07T10:00:00.000Z';
const envelope = (data: string) => `{"type":"job.done","timestamp":"${TS}","data":${data}}`;

describe('shapeBody', () => {
  it('sends the envelope as built', () => {
    const body = envelope('{"job_id":"j1"}');
    expect(shapeBody(body, 'envelope')).toBe(body);
  });

  it('flattens data to the top level, without type, with the timestamp last', () => {
    expect(shapeBody(envelope('{"job_id":"j1","state":"done"}'), 'flat')).toBe(
      `{"job_id":"j1","state":"done","timestamp":"${TS}"}`,
    );
  });

  it('keeps a timestamp the data carries, where it was', () => {
    expect(shapeBody(envelope('{"timestamp":"2020-01-01T00:00:00Z","state":"done"}'), 'flat')).toBe(
      '{"timestamp":"2020-01-01T00:00:00Z","state":"done"}',
    );
  });

  it('keeps the exact text of numbers', () => {
    expect(shapeBody(envelope('{"price":1.10,"big":12345678901234567890,"e":1e400}'), 'flat')).toBe(
      `{"price":1.10,"big":12345678901234567890,"e":1e400,"timestamp":"${TS}"}`,
    );
  });

  it('keeps a __proto__ key of the data as a key', () => {
    expect(JSON.parse(shapeBody(envelope('{"__proto__":{"x":1}}'), 'flat'))).toEqual(
      JSON.parse(`{"__proto__":{"x":1},"timestamp":"${TS}"}`),
    );
  });

  it('sends a reference to data too large to inline as {dataReference, timestamp}', () => {
    const ref = '{"url":"https://hub.example/p","size":1,"sha256":"ab","expiresAt":"x"}';
    expect(
      shapeBody(`{"type":"job.done","timestamp":"${TS}","dataReference":${ref}}`, 'flat'),
    ).toBe(`{"dataReference":${ref},"timestamp":"${TS}"}`);
  });

  it.each([['[1,2]'], ['"text"'], ['null'], ['3']])(
    'sends non-object data %s under data instead of dropping it',
    (data) => {
      expect(shapeBody(envelope(data), 'flat')).toBe(`{"data":${data},"timestamp":"${TS}"}`);
    },
  );
});
