import { problem, PROBLEM_TYPE_BASE } from './problem.js';

describe('problem', () => {
  it('keeps extensions but never lets them replace type, title, status or detail', () => {
    const body = problem(503, 'unavailable', 'Service Unavailable', 'not ready', {
      status: 'error',
      type: 'x',
      title: 'y',
      detail: 'z',
      details: { database: { status: 'down' } },
    });
    expect(body).toEqual({
      type: `${PROBLEM_TYPE_BASE}unavailable`,
      title: 'Service Unavailable',
      status: 503,
      detail: 'not ready',
      details: { database: { status: 'down' } },
    });
  });
});
