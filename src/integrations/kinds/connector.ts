import { classifyHttpFailure } from '../../common/outbound/http-failure.js';
import type { AnswerShape } from './answer-shape.js';

/** What a remote call is for: the operation column of the integration log. */
export type Operation = 'create' | 'lookup' | 'update' | 'transition' | 'comment' | 'link' | 'test';
/** A log row no call made: the creation cutoff left a card out. */
export type LogOperation = Operation | 'cutoff';

/** The module's projection of a card, as a connector syncs it. */
export interface CardState {
  cardId: string;
  title: string;
  description: string;
  column: string | null;
  tags: string[];
  assignee: string | null;
  url: string | null;
  lastEventType: string;
  remoteKey: string | null;
  remoteId: string | null;
  createAttemptedAt: Date | null;
  syncedFieldsHash: string | null;
  syncedColumn: string | null;
  syncedUrl: string | null;
}

export interface PendingMessage {
  messageId: string;
  body: string;
  author: string | null;
  /** Set once a post was tried: the answer may have been lost, so look before posting again. */
  attemptedAt: Date | null;
}

export interface RemoteRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below the integration's base URL: `/rest/api/3/issue`. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** The shape of the 2xx answer the connector reads; one that does not fit is a lost answer. */
  expect?: AnswerShape;
}

export interface RemoteResponse {
  status: number;
  body: unknown;
}

/**
 * A failed remote call: `status` null for network errors and timeouts. The job turns it into
 * an outcome: retry for null, 408, 429, 5xx, a rate limit (GitHub's 403 with a reset or
 * Retry-After) and an unusable 2xx answer, waiting for `retryAfterMs`; fail otherwise.
 */
export class RemoteFailure extends Error {
  constructor(
    message: string,
    public readonly status: number | null,
    public readonly retryAfterMs?: number,
    /** Overrides the rule by status: a rate-limited 403, a 2xx whose answer was unusable. */
    private readonly retryableAnyway = false,
    /**
     * Not a failed attempt but a wait: the peer's rate limit, or its search lag after a lost
     * create answer. The job waits `retryAfterMs` without spending a retry on it.
     */
    public readonly isWait = false,
  ) {
    super(message);
  }

  /** A wait the peer asked for (rate limit, Retry-After) or its lag imposes. */
  static wait(message: string, status: number | null, waitMs: number): RemoteFailure {
    return new RemoteFailure(message, status, waitMs, true, true);
  }

  get retryable(): boolean {
    return this.retryableAnyway || classifyHttpFailure(this.status) === 'transient';
  }

  /**
   * Whether the peer may have done the work although we have no usable answer (no answer,
   * a 2xx we cannot read, a 5xx from a gateway): a create must then be looked up, not
   * repeated. A 4xx is a refusal: nothing was made.
   */
  get outcomeUnknown(): boolean {
    return this.status === null || this.status < 400 || this.status >= 500;
  }
}

/** What a sync starts from: the card's projection and its messages still to post. */
export interface SyncInput {
  readonly card: Readonly<CardState>;
  readonly messages: readonly PendingMessage[];
  /**
   * How long after a create attempt a lookup may still miss the issue it made: the call
   * timeout (the peer may finish the create until then) plus the peer's search lag
   * (INTEGRATION_SEARCH_LAG_MS). Until then an empty lookup does not prove there is none.
   */
  readonly lookupSettleMs: number;
}

/** Sends one request (one log row); a non-2xx answer or a network error throws RemoteFailure. */
export type RemoteCall = (operation: Operation, request: RemoteRequest) => Promise<RemoteResponse>;

/** One step of a sync that the card must remember, so that no later run repeats it. */
export type SyncMark =
  /** A create is about to be sent: from now on its outcome may be unknown. */
  | { readonly mark: 'createAttempted' }
  /** The create was refused (a 4xx): nothing was made, so the next run need not look. */
  | { readonly mark: 'createRefused' }
  | { readonly mark: 'linked'; readonly remoteKey: string; readonly remoteId: string }
  | { readonly mark: 'fieldsSynced'; readonly hash: string }
  | { readonly mark: 'columnSynced'; readonly column: string }
  | { readonly mark: 'urlSynced'; readonly url: string }
  | { readonly mark: 'commentAttempted'; readonly messageId: string }
  | { readonly mark: 'commentPosted'; readonly messageId: string; readonly remoteCommentId: string }
  /** A fault that no retry can fix (an unmapped column): the card and the log show it. */
  | { readonly mark: 'operationError'; readonly operation: Operation; readonly message: string };

/**
 * The marks of one sync, in the order they happen. The connector yields each mark when the
 * step is done (a createAttempted mark before the create is sent) and goes on only once the
 * caller has stored it, so a crash or a failure later in the run repeats nothing that finished.
 */
export type SyncMarks = AsyncGenerator<SyncMark, void, undefined>;

/** One finding of a connection test, named by the config field it is about. */
export interface TestCheck {
  field: string;
  ok: boolean;
  message: string;
}

/**
 * One kind of integration (`jira`, `github`): its config class (class-validator rules),
 * which config fields are secrets, how it authenticates, syncs a card and tests a config.
 * A plain client: it talks to the peer through the `call` it is given and writes nothing;
 * what a sync did comes back as marks, which CardSyncJob alone stores.
 * Adding a kind is one folder with one of these, listed in connectors.ts.
 */
export interface Connector<C extends object = Record<string, unknown>> {
  readonly kind: string;
  readonly configClass: new () => C;
  readonly secretFields: readonly (keyof C & string)[];
  /** The config with defaults filled in. */
  withDefaults(config: C): C;
  baseUrl(config: C): string;
  /** Where a person opens the remote issue. */
  issueUrl(config: C, remoteKey: string): string;
  /** Headers of every request (credentials included). */
  headers(config: C): Record<string, string>;
  /** The remote error body summarised in one line (Jira's errorMessages and errors). */
  summarizeError(body: unknown): string;
  /** Does what is still missing of the card (create, update, transition, link, comments). */
  sync(config: C, input: SyncInput, call: RemoteCall): SyncMarks;
  test(config: C, call: (request: RemoteRequest) => Promise<RemoteResponse>): Promise<TestCheck[]>;
}
