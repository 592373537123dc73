import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { get, type Page } from '../api';
import { ErrorBox } from './problem';

type Query = Record<string, string | number | undefined>;

export interface Paged<T> {
  items: T[];
  next: string | null;
  loading: boolean;
  error: unknown;
  loadMore(): void;
  reload(): void;
}

/**
 * A cursor-paged list: the first page on mount and whenever the query changes, the next one
 * on "Load more". An answer for a query that is no longer current is dropped.
 */
export function usePaged<T>(path: string | null, query: Query = {}): Paged<T> {
  const key = path === null ? '' : path + JSON.stringify(query);
  const [state, setState] = useState<{
    key: string;
    items: T[];
    next: string | null;
    loading: boolean;
    error: unknown;
  }>({ key, items: [], next: null, loading: true, error: null });
  const current = useRef(key);
  current.current = key;
  const [generation, setGeneration] = useState(0);

  const load = useCallback(
    async (cursor: string | null) => {
      if (path === null) return;
      const forKey = key;
      setState((s) => ({ ...s, key: forKey, loading: true, error: null }));
      try {
        const page = await get<Page<T>>(path, { ...query, cursor: cursor ?? undefined });
        if (current.current !== forKey) return;
        setState((s) => ({
          key: forKey,
          items: cursor ? [...s.items, ...page.data] : page.data,
          next: page.nextCursor ?? null,
          loading: false,
          error: null,
        }));
      } catch (error) {
        if (current.current !== forKey) return;
        setState((s) => ({ ...s, loading: false, error }));
      }
    },
    [key],
  );

  useEffect(() => {
    // A reload of the same list keeps showing its rows until the first page is back, so a
    // row's open detail (a binding's sync log) is not unmounted by a refresh.
    setState((s) =>
      s.key === key
        ? { ...s, loading: true, error: null }
        : { key, items: [], next: null, loading: true, error: null },
    );
    void load(null);
  }, [key, generation]);

  return {
    items: state.key === key ? state.items : [],
    next: state.next,
    loading: state.loading,
    error: state.error,
    loadMore: () => void load(state.next),
    reload: () => setGeneration((g) => g + 1),
  };
}

/** Under a paged table: the error, "Loading…", "Nothing yet", or the "Load more" button. */
export function Pager<T>({
  list,
  empty = 'Nothing here yet.',
}: {
  list: Paged<T>;
  empty?: string;
}) {
  return html`<div class="pager">
    <${ErrorBox} error=${list.error} />
    ${
      list.loading
        ? html`<p class="muted" aria-live="polite">Loading…</p>`
        : !list.error && list.items.length === 0
          ? html`<p class="muted">${empty}</p>`
          : ''
    }
    ${
      list.next && !list.loading
        ? html`<button type="button" onClick=${list.loadMore}>Load more</button>`
        : ''
    }
  </div>`;
}
