import { ValidationFailedException } from '../../common/http/validation.js';
import { isIsoInstant, validateChanges } from './validate-changes.js';

const errorsOf = (changes: unknown[]) => {
  try {
    validateChanges(changes);
    return [];
  } catch (err) {
    if (err instanceof ValidationFailedException) return err.errors.map((e) => e.field);
    throw err;
  }
};

describe('validateChanges', () => {
  it('accepts the three ops in their documented shapes', () => {
    expect(
      errorsOf([
        { eventId: 'a', table: 'cards', id: '1', op: 'insert', data: {}, spaceId: null },
        {
          eventId: 'b',
          table: 'cards',
          id: '1',
          op: 'update',
          fields: { t: { value: null, at: '2026-11-23T10:00:00+01:00' } },
        },
        {
          eventId: 'c',
          table: 'cards',
          id: '1',
          op: 'delete',
          deletedAt: '2026-11-23T10:00:00.123456Z',
          actor: '',
          origin: null,
        },
      ]),
    ).toEqual([]);
  });

  it('names each bad field by change index, unknown properties included', () => {
    expect(
      errorsOf([
        { eventId: 'a', table: 'cards', id: '1', op: 'insert', data: {} },
        { eventId: '', table: 'Cards', id: '', op: 'upsert', extra: 1 },
        { eventId: 'c', table: 'cards', id: '1', op: 'update', fields: {} },
        { eventId: 'd', table: 'cards', id: '1', op: 'delete' },
        'not an object',
        {
          eventId: 'f',
          table: 'cards',
          id: '1',
          op: 'insert',
          data: [],
          schemaVersion: 0,
          spaceId: 'x',
        },
      ]),
    ).toEqual([
      'changes[1].extra',
      'changes[1].eventId',
      'changes[1].table',
      'changes[1].id',
      'changes[1].op',
      'changes[2].fields',
      'changes[4]',
      'changes[5].data',
      'changes[5].spaceId',
      'changes[5].schemaVersion',
    ]);
  });

  it('takes a change as a mana-sync client sends it: no eventId, no deletedAt, an actor object', () => {
    expect(
      errorsOf([
        { table: 'cards', id: '1', op: 'insert', data: {}, actor: { kind: 'user' } },
        { table: 'cards', id: '1', op: 'delete' },
        { table: 'cards', id: '1', op: 'insert', data: {}, actor: { big: 'x'.repeat(2000) } },
        { table: 'cards', id: '1', op: 'insert', data: {}, actor: ['user'] },
      ]),
    ).toEqual(['changes[2].actor', 'changes[3].actor']);
  });

  it('checks the space wherever the change names it: spaceId, data.spaceId, fields.spaceId.value', () => {
    const space = '0b7e5a4c-1d2e-4f3a-8b9c-0d1e2f3a4b5c';
    expect(
      errorsOf([
        { eventId: 'a', table: 'cards', id: '1', op: 'insert', data: { spaceId: space } },
        { eventId: 'b', table: 'cards', id: '1', op: 'insert', data: { spaceId: 'team-1' } },
        {
          eventId: 'c',
          table: 'cards',
          id: '1',
          op: 'update',
          fields: { spaceId: { value: 'team-1', at: '2026-11-23T10:00:00Z' } },
        },
        // The change's own spaceId wins; data.spaceId is then a plain field.
        { eventId: 'd', table: 'c', id: '1', op: 'insert', spaceId: space, data: { spaceId: 7 } },
        { eventId: 'e', table: 'cards', id: '1', op: 'insert', spaceId: '', data: { spaceId: '' } },
      ]),
    ).toEqual(['changes[1].data.spaceId', 'changes[2].fields.spaceId.value']);
  });

  it('takes real ISO 8601 instants only', () => {
    expect(isIsoInstant('2026-02-28T23:59:59Z')).toBe(true);
    expect(isIsoInstant('2024-02-29T00:00Z')).toBe(true);
    expect(isIsoInstant('2026-02-29T00:00:00Z')).toBe(false);
    expect(isIsoInstant('2026-11-23 10:00:00Z')).toBe(false);
    expect(isIsoInstant('2026-11-23T24:00:00Z')).toBe(false);
    expect(isIsoInstant('2026-11-23T10:00:00')).toBe(false); // no offset: ambiguous instant
    expect(isIsoInstant(1700000000000)).toBe(false);
  });

  it('refuses record field names that would index Object.prototype in the merge', () => {
    const at = '2026-01-01T00:00:00Z';
    for (const name of ['constructor', '__proto__', 'prototype']) {
      const data = JSON.parse(`{"${name}": 1}`);
      const fields = JSON.parse(`{"${name}": {"value": 1, "at": "${at}"}}`);
      expect(() =>
        validateChanges([{ eventId: 'e', table: 't', id: 'i', op: 'insert', data }]),
      ).toThrow(ValidationFailedException);
      expect(() =>
        validateChanges([{ eventId: 'e', table: 't', id: 'i', op: 'update', fields }]),
      ).toThrow(ValidationFailedException);
    }
    expect(() =>
      validateChanges([
        { eventId: 'e', table: 't', id: 'i', op: 'insert', data: { a: { constructor: 1 } } },
      ]),
    ).not.toThrow();
  });

  it('takes instants PostgreSQL can store only (no year 0, also not through an offset)', () => {
    expect(isIsoInstant('0000-01-01T00:00:00Z')).toBe(false);
    expect(isIsoInstant('0001-01-01T00:30:00+01:00')).toBe(false);
    expect(isIsoInstant('0001-01-01T00:00:00Z')).toBe(true);
    expect(isIsoInstant('9999-12-31T23:59:59Z')).toBe(true);
  });

  it('says a time without an offset misses its offset, and anything else is not ISO 8601', () => {
    const problems = (changes: unknown[]) => {
      try {
        validateChanges(changes);
        return [];
      } catch (err) {
        if (err instanceof ValidationFailedException) return err.errors;
        throw err;
      }
    };
    const base = { eventId: 'e', table: 't', id: 'i' };
    expect(
      problems([
        { ...base, op: 'insert', data: {}, at: '2026-11-23T15:06:00' },
        { ...base, op: 'delete', deletedAt: '2026-11-23T15:06' },
        { ...base, op: 'update', fields: { t: { value: 1, at: '2026-11-23T15:06:00.123' } } },
        { ...base, op: 'insert', data: {}, at: 'yesterday' },
      ]),
    ).toEqual([
      { field: 'changes[0].at', message: 'must carry a UTC offset (Z or ±hh:mm)' },
      { field: 'changes[1].deletedAt', message: 'must carry a UTC offset (Z or ±hh:mm)' },
      { field: 'changes[2].fields', message: '.t.at must carry a UTC offset (Z or ±hh:mm)' },
      { field: 'changes[3].at', message: 'must be a valid ISO 8601 date string' },
    ]);
  });

  it('says a missing required property "is required" and a null one "must not be null"', () => {
    const problems = (changes: unknown[]) => {
      try {
        validateChanges(changes);
        return [];
      } catch (err) {
        if (err instanceof ValidationFailedException) return err.errors;
        throw err;
      }
    };
    expect(
      problems([
        { op: 'insert', eventId: null },
        { eventId: 'e', table: 't', id: 'i', op: 'update' },
        { eventId: 'e', table: 't', id: 'i', op: 'delete', deletedAt: null },
      ]),
    ).toEqual([
      { field: 'changes[0].eventId', message: 'must not be null' },
      { field: 'changes[0].table', message: 'is required' },
      { field: 'changes[0].id', message: 'is required' },
      { field: 'changes[0].data', message: 'is required' },
      { field: 'changes[1].fields', message: 'is required' },
      { field: 'changes[2].deletedAt', message: 'must not be null' },
    ]);
  });
});
