import type { CardState, SyncInput, SyncMark } from './connector.js';
import { RemoteFailure } from './connector.js';
import { cardIssue, createOnce, type RemoteIssue } from './create-once.js';

const ISSUE: RemoteIssue = { key: 'HUB-1', id: '10001' };

function input(createAttemptedAt: Date | null, lookupSettleMs = 60_000): SyncInput {
  const card: CardState = {
    cardId: 'card-1',
    title: 't',
    description: '',
    column: null,
    tags: [],
    assignee: null,
    url: null,
    lastEventType: 'card.created',
    remoteKey: null,
    remoteId: null,
    createAttemptedAt,
    syncedFieldsHash: null,
    syncedColumn: null,
    syncedUrl: null,
  };
  return { card, messages: [], lookupSettleMs };
}

/**
 * Drains the marks as CardSyncJob does, writing down each mark and each call to the peer in
 * the order they happen.
 */
async function drain(
  run: (trail: string[]) => AsyncGenerator<SyncMark, unknown, undefined>,
): Promise<{ trail: string[]; result?: unknown; error?: unknown }> {
  const trail: string[] = [];
  const marks = run(trail);
  try {
    for (;;) {
      const next = await marks.next();
      if (next.done) return { trail, result: next.value };
      trail.push(`mark ${next.value.mark}`);
    }
  } catch (error) {
    return { trail, error };
  }
}

const lookupOf = (trail: string[], found?: RemoteIssue) => async () => {
  trail.push('lookup');
  return found;
};
const createOf = (trail: string[], failure?: RemoteFailure) => async () => {
  trail.push('create');
  if (failure) throw failure;
  return ISSUE;
};

describe('createOnce', () => {
  it('stores the attempt before it sends the create, then the link', async () => {
    const out = await drain((t) => createOnce(input(null), lookupOf(t), createOf(t)));
    expect(out.trail).toEqual(['mark createAttempted', 'create', 'mark linked']);
    expect(out.result).toEqual({ issue: ISSUE, created: true });
  });

  it('links the issue of an earlier attempt without creating again', async () => {
    const out = await drain((t) => createOnce(input(new Date()), lookupOf(t, ISSUE), createOf(t)));
    expect(out.trail).toEqual(['lookup', 'mark linked']);
    expect(out.result).toEqual({ issue: ISSUE, created: false });
  });

  it('waits, without a mark, while an empty lookup may still lag behind the attempt', async () => {
    const out = await drain((t) => createOnce(input(new Date(), 60_000), lookupOf(t), createOf(t)));
    expect(out.trail).toEqual(['lookup']);
    expect(out.error).toBeInstanceOf(RemoteFailure);
    const wait = out.error as RemoteFailure;
    expect(wait.isWait).toBe(true);
    expect(wait.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('creates once the settle window has passed and the lookup is still empty', async () => {
    const longAgo = new Date(Date.now() - 120_000);
    const out = await drain((t) => createOnce(input(longAgo, 60_000), lookupOf(t), createOf(t)));
    expect(out.trail).toEqual(['lookup', 'mark createAttempted', 'create', 'mark linked']);
  });

  it('clears the attempt after a refusal (4xx), which made nothing', async () => {
    const refused = new RemoteFailure('HTTP 400: summary is required', 400);
    const out = await drain((t) => createOnce(input(null), lookupOf(t), createOf(t, refused)));
    expect(out.trail).toEqual(['mark createAttempted', 'create', 'mark createRefused']);
    expect(out.error).toBe(refused);
  });

  it('keeps the attempt when the outcome is unknown (no answer, 5xx)', async () => {
    for (const status of [null, 502]) {
      const lost = new RemoteFailure('lost', status);
      const out = await drain((t) => createOnce(input(null), lookupOf(t), createOf(t, lost)));
      expect(out.trail).toEqual(['mark createAttempted', 'create']);
      expect(out.error).toBe(lost);
    }
  });
});

describe('cardIssue', () => {
  it('answers a linked card with its issue, calling nothing', async () => {
    const linked = input(null);
    const card = { ...linked.card, remoteKey: '#4', remoteId: '4', syncedFieldsHash: 'old' };
    const out = await drain((t) => cardIssue({ ...linked, card }, 'new', lookupOf(t), createOf(t)));
    expect(out.trail).toEqual([]);
    expect(out.result).toEqual({ issue: { key: '#4', id: '4' }, syncedHash: 'old' });
  });

  it('marks the fields of a made issue as synced, not those of a found one', async () => {
    const made = await drain((t) => cardIssue(input(null), 'h', lookupOf(t), createOf(t)));
    expect(made.trail).toEqual([
      'mark createAttempted',
      'create',
      'mark linked',
      'mark fieldsSynced',
    ]);
    expect(made.result).toEqual({ issue: ISSUE, syncedHash: 'h' });
    const found = await drain((t) =>
      cardIssue(input(new Date()), 'h', lookupOf(t, ISSUE), createOf(t)),
    );
    expect(found.trail).toEqual(['lookup', 'mark linked']);
    expect(found.result).toEqual({ issue: ISSUE, syncedHash: null });
  });
});
