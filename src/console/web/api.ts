/**
 * The console's only way to the hub: the same REST API as every other client, with the admin
 * credential from sessionStorage (gone when the tab closes). A 401 signs out everywhere.
 */
const TOKEN_KEY = 'integration-hub.console.token';

export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem (or a non-JSON failure) as the console shows it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string | undefined,
    readonly fields: FieldError[] = [],
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
}

export interface Page<T> {
  data: T[];
  nextCursor?: string | null;
}

type Query = Record<string, string | number | boolean | undefined | null>;

const unauthorizedListeners = new Set<(message: string) => void>();

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut(message = ''): void {
    sessionStorage.removeItem(TOKEN_KEY);
    for (const listener of unauthorizedListeners) listener(message);
  },
  onSignOut(listener: (message: string) => void): () => void {
    unauthorizedListeners.add(listener);
    return () => unauthorizedListeners.delete(listener);
  },
};

export function url(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export async function request<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; token?: string } = {},
): Promise<T> {
  const token = options.token ?? session.token();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'omit',
    });
  } catch (err) {
    throw new ApiError(
      0,
      'The hub did not answer',
      err instanceof Error ? err.message : String(err),
    );
  }
  const text = await res.text();
  const body: unknown = text ? parseJson(text) : undefined;
  if (res.ok) return body as T;
  const problem = (body ?? {}) as {
    title?: string;
    detail?: string;
    errors?: FieldError[];
  };
  const error = new ApiError(
    res.status,
    problem.title ?? `HTTP ${res.status}`,
    problem.detail ?? (typeof body === 'string' ? body.slice(0, 300) : undefined),
    Array.isArray(problem.errors) ? problem.errors : [],
  );
  // Only for calls made with the stored credential: a sign-in attempt reports its own 401.
  if (res.status === 401 && !options.token)
    session.signOut('The hub refused the stored credential (401). Sign in again.');
  throw error;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const get = <T>(path: string, query?: Query) => request<T>('GET', path, { query });
export const post = <T>(path: string, body: unknown = {}, query?: Query) =>
  request<T>('POST', path, { body, query });
export const patch = <T>(path: string, body: unknown) => request<T>('PATCH', path, { body });
export const del = (path: string) => request<void>('DELETE', path);
