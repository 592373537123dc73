import { compileEventTypes, EVENT_TYPE_FILTER_PATTERN } from './event-type-filter.js';

describe('event type filters', () => {
  it('accepts exact types, prefixes and *', () => {
    for (const ok of ['card.created', 'card.*', '*', 'a_b.c-d'])
      expect(EVENT_TYPE_FILTER_PATTERN.test(ok)).toBe(true);
    for (const bad of ['Card.created', 'card.', '.card', 'card.*.x', 'ca*rd', ''])
      expect(EVENT_TYPE_FILTER_PATTERN.test(bad)).toBe(false);
  });

  it('compiles prefixes to escaped LIKE patterns', () => {
    expect(compileEventTypes(['card.*', 'user_x.*', 'order.paid'])).toEqual({
      exact: ['order.paid'],
      patterns: ['card.%', 'user\\_x.%'],
    });
    expect(compileEventTypes([])).toEqual({ exact: [], patterns: ['%'] });
  });
});
