import { classifyHttpFailure } from '../../common/outbound/http-failure.js';
import type { JobOutcome } from '../../jobs/index.js';
import type { AnswerShape } from './answer-shape.js';

/** What a remote call is for: the operation column of the integration log. */
export type Operation = 'create' | 'lookup' | 'update' | 'transition' | 'comment' | 'link' | 'test';

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

/** Calls the remote system (one log row per call) and records progress on the card. */
export interface SyncSession {
  readonly card: CardState;
  readonly messages: PendingMessage[];
  /**
   * How long after a create attempt a lookup may still miss the issue it made: the call
   * timeout (the peer may finish the create until then) plus the peer's search lag
   * (INTEGRATION_SEARCH_LAG_MS). Until then an empty lookup does not prove there is none.
   */
  readonly lookupSettleMs: number;
  /** Sends one request; a non-2xx answer or a network error throws RemoteFailure. */
  call(operation: Operation, request: RemoteRequest): Promise<RemoteResponse>;
  /** Logs a fault that no retry can fix (an unmapped column) on the card and in the log. */
  operationError(operation: Operation, message: string): Promise<void>;
  createAttempted(): Promise<void>;
  /** The create was refused (a 4xx): nothing was made, so the next run need not look. */
  createRefused(): Promise<void>;
  linked(remoteKey: string, remoteId: string): Promise<void>;
  fieldsSynced(hash: string): Promise<void>;
  columnSynced(column: string): Promise<void>;
  urlSynced(url: string): Promise<void>;
  commentAttempted(messageId: string): Promise<void>;
  commentPosted(messageId: string, remoteCommentId: string): Promise<void>;
}

/** One finding of a connection test, named by the config field it is about. */
export interface TestCheck {
  field: string;
  ok: boolean;
  message: string;
}

/**
 * One kind of integration (`jira`, `github`): its config class (class-validator rules),
 * which config fields are secrets, how it authenticates, syncs a card and tests a config.
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
  sync(config: C, session: SyncSession): Promise<JobOutcome | void>;
  test(config: C, call: (request: RemoteRequest) => Promise<RemoteResponse>): Promise<TestCheck[]>;
}
