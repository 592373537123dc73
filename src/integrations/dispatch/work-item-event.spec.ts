import type { HubEvent } from '../../events/index.js';
import { cardFields, messageOf } from './work-item-event.js';

function event(data: Record<string, unknown>, id = '7'): HubEvent {
  return {
    id,
    type: 'card.created',
    source: 'kanban',
    subject: 'card-1',
    data,
    severity: 'info',
    origin: null,
    occurredAt: new Date(0),
    createdAt: new Date(0),
    tx: '1',
  } as HubEvent;
}

describe('work-item event contract (ajv schema)', () => {
  it('takes well-typed card fields and cuts long text', () => {
    const f = cardFields(
      event({
        title: 't'.repeat(1500),
        description: 'Steps',
        column: 'c'.repeat(300),
        tags: Array.from({ length: 120 }, (_, i) => `tag${i}`),
        assignee: 'ana',
        url: `https://kanban.example/${'u'.repeat(3000)}`,
        createdAt: '2026-12-01T10:00:00Z',
      }),
    );
    expect(f.title).toBe('t'.repeat(1000));
    expect(f.description).toBe('Steps');
    expect(f.column).toHaveLength(200);
    expect(f.tags).toHaveLength(100);
    expect(f.tags?.[99]).toBe('tag99');
    expect(f.assignee).toBe('ana');
    expect(f.url).toHaveLength(2048);
    expect(f.createdAt?.toISOString()).toBe('2026-12-01T10:00:00.000Z');
  });

  it('ignores each wrongly typed field on its own and keeps the rest', () => {
    const f = cardFields(
      event({
        title: 42,
        description: { text: 'x' },
        column: ['todo'],
        tags: 'web',
        assignee: 5,
        url: 'ftp://files.example/a',
        createdAt: 'not a date',
        extra: 'unknown fields are no fault',
      }),
    );
    expect(f).toEqual({
      title: undefined,
      description: undefined,
      column: undefined,
      tags: undefined,
      assignee: undefined,
      url: undefined,
      createdAt: undefined,
    });
    expect(cardFields(event({ title: 42, column: 'done' }))).toMatchObject({
      title: undefined,
      column: 'done',
    });
  });

  it('drops tags that are not strings, keeps null assignee and url, reads any scheme case', () => {
    const f = cardFields(
      event({ tags: ['a', 1, null, 'b', {}], assignee: null, url: null, createdAt: '2026-12-01' }),
    );
    expect(f.tags).toEqual(['a', 'b']);
    expect(f.assignee).toBeNull();
    expect(f.url).toBeNull();
    expect(f.createdAt?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(cardFields(event({ url: 'HTTPS://Kanban.example/c/1' })).url).toBe(
      'HTTPS://Kanban.example/c/1',
    );
    expect(cardFields(event({ url: 'javascript:alert(1)' })).url).toBeUndefined();
    expect(cardFields(event({})).assignee).toBeUndefined();
  });

  it('takes a message with a body that is not blank, with defaults for id and author', () => {
    expect(messageOf(event({ id: 'm-1', body: 'On it', author: 'ana' }))).toEqual({
      messageId: 'm-1',
      body: 'On it',
      author: 'ana',
    });
    expect(messageOf(event({ id: '', body: 'x', author: 3 }, '99'))).toEqual({
      messageId: 'event:99',
      body: 'x',
      author: null,
    });
    expect(messageOf(event({ id: 12, body: 'x' }, '5'))?.messageId).toBe('event:5');
    const long = messageOf(event({ id: 'i'.repeat(600), body: 'b'.repeat(100_010) }));
    expect(long?.messageId).toHaveLength(500);
    expect(long?.body).toHaveLength(100_000);
  });

  it('refuses a message without a body, a blank one, or one that is no string', () => {
    for (const body of [undefined, '', ' \n\t', '\u00a0\ufeff\u2028', 7, null, ['x']])
      expect(messageOf(event(body === undefined ? {} : { body }))).toBeUndefined();
  });

  // The rules as they were written by hand before the schema: the schema must agree with them.
  const VALUES: unknown[] = [
    undefined,
    null,
    0,
    42,
    true,
    '',
    ' ',
    ' \n\t',
    '\u00a0',
    '\ud800',
    'text',
    'x'.repeat(3000),
    'http://a',
    'HTTPS://b',
    'ftp://c',
    '2026-12-01T10:00:00Z',
    '2026-12-01',
    'Dec 1, 2026',
    'not a date',
    [],
    ['a', 1, 'b', null],
    {},
    { title: 'x' },
  ];
  const CARD_KEYS = ['title', 'description', 'column', 'tags', 'assignee', 'url', 'createdAt'];

  it('agrees with the hand-written rules it replaced, field by field', () => {
    for (const key of CARD_KEYS)
      for (const value of VALUES) {
        const data = value === undefined ? {} : { [key]: value };
        expect({ key, value, got: cardFields(event(data)) }).toEqual({
          key,
          value,
          got: handCardFields(data),
        });
      }
    for (const key of ['id', 'body', 'author'])
      for (const value of VALUES) {
        const data: Record<string, unknown> = { id: 'm', body: 'b', author: 'a' };
        if (value === undefined) delete data[key];
        else data[key] = value;
        expect({ key, value, got: messageOf(event(data, '3')) }).toEqual({
          key,
          value,
          got: handMessageOf(data, '3'),
        });
      }
  });
});

function handCardFields(d: Record<string, unknown>) {
  const str = (v: unknown, max = 100_000) => (typeof v === 'string' ? v.slice(0, max) : undefined);
  const created = typeof d.createdAt === 'string' ? new Date(d.createdAt) : undefined;
  return {
    title: str(d.title, 1000),
    description: str(d.description),
    column: str(d.column, 200),
    tags: Array.isArray(d.tags)
      ? d.tags.filter((t): t is string => typeof t === 'string').slice(0, 100)
      : undefined,
    assignee: d.assignee === null ? null : str(d.assignee, 500),
    url:
      d.url === null
        ? null
        : typeof d.url === 'string' && /^https?:\/\//i.test(d.url)
          ? d.url.slice(0, 2048)
          : undefined,
    createdAt: created && !Number.isNaN(created.getTime()) ? created : undefined,
  };
}

function handMessageOf(d: Record<string, unknown>, eventId: string) {
  if (typeof d.body !== 'string' || !d.body.trim()) return undefined;
  const id = typeof d.id === 'string' && d.id ? d.id : `event:${eventId}`;
  return {
    messageId: id.slice(0, 500),
    body: d.body.slice(0, 100_000),
    author: typeof d.author === 'string' ? d.author.slice(0, 500) : null,
  };
}
