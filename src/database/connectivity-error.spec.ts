import { QueryFailedError } from 'typeorm';
import { DatabaseUnavailableError, isDatabaseUnavailable } from './connectivity-error.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', withCode('ECONNRESET')],
    ['admin shutdown (pg_ctl stop -m fast)', withCode('57P01')],
    ['cannot connect now (starting up)', withCode('57P03')],
    ['connection failure class 08', withCode('08006')],
    ['statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['socket closed under a query', new Error('Connection terminated unexpectedly')],
    ['pg connect timeout', new Error('timeout expired')],
    ['pg-pool acquire timeout', new Error('timeout exceeded when trying to connect')],
    ['pg query_timeout', new Error('Query read timeout')],
    ['our gate', new DatabaseUnavailableError('liveness probe failing: x')],
    [
      'several addresses refused',
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]),
    ],
    [
      'wrapped by TypeORM',
      new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly')),
    ],
    ['as a cause', new Error('outer', { cause: withCode('ECONNREFUSED') })],
  ])('is true for %s', (_what, err) => expect(isDatabaseUnavailable(err)).toBe(true));

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a unique violation', new QueryFailedError('INSERT', [], withCode('23505'))],
    ['invalid input syntax', withCode('22P02')],
    ['a non-error', 'boom'],
    ['nothing', undefined],
  ])('is false for %s', (_what, err) => expect(isDatabaseUnavailable(err)).toBe(false));
});
