import { classifyHttpFailure } from './http-failure.js';

describe('classifyHttpFailure', () => {
  it('calls no answer, 408, 429 and every 5xx transient', () => {
    for (const status of [null, 408, 429, 500, 502, 503, 504, 599])
      expect([status, classifyHttpFailure(status)]).toEqual([status, 'transient']);
  });

  it('calls every other status permanent', () => {
    for (const status of [200, 207, 301, 400, 401, 403, 404, 409, 412, 415, 422])
      expect([status, classifyHttpFailure(status)]).toEqual([status, 'permanent']);
  });
});
