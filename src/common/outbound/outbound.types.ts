export interface OutboundResponse {
  status: number;
  headers: Record<string, string>;
  /** At most `maxBodyBytes` of the response body, as text. */
  body: string;
  /** True when the body was longer than `maxBodyBytes` and was cut there. */
  truncated: boolean;
  durationMs: number;
}

/** A webhook-style POST on the lean path. */
export interface OutboundPost {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Default 4 KiB: a webhook receiver's answer is only kept as an excerpt. */
  maxBodyBytes?: number;
}

export interface OutboundRequest {
  /** Any method: GET, PUT, DELETE, PROPFIND, REPORT, MKCALENDAR, ... */
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A string or bytes as is; an object is sent as JSON. */
  body?: string | Buffer | object;
  timeoutMs: number;
  /** Default 1 MiB; a longer body is cut there and `truncated` is set. */
  maxBodyBytes?: number;
  /** Redirect hops to follow (default 0), each re-checked by the SSRF guard. */
  followRedirects?: number;
  /**
   * The caller's cancellation (a job's `job.signal`): when it fires the request is abandoned
   * and its socket closed, whatever phase it is in (connect, headers, body).
   */
  signal?: AbortSignal;
}

export interface OutboundFullResponse extends OutboundResponse {
  /** The body's bytes (up to `maxBodyBytes`). */
  bytes: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
  /** Every URL redirected to, in order. */
  redirects: string[];
}
