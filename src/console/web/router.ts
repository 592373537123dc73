import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * A history-API router in one file: paths under /console (the server answers index.html for
 * any of them), a hook that re-renders on navigation, and links that navigate without a load.
 */
export const BASE = '/console';

const listeners = new Set<() => void>();
const notify = () => listeners.forEach((listener) => listener());
window.addEventListener('popstate', notify);

export interface Location {
  path: string;
  query: URLSearchParams;
}

function current(): Location {
  const path = location.pathname.startsWith(BASE)
    ? location.pathname.slice(BASE.length) || '/'
    : '/';
  return {
    path: path.length > 1 ? path.replace(/\/$/, '') : path,
    query: new URLSearchParams(location.search),
  };
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const target = BASE + (to === '/' ? '' : to);
  if (options.replace) history.replaceState(null, '', target);
  else history.pushState(null, '', target);
  notify();
}

/** Sets the query string of the current page (filters), without a new history entry. */
export function setQuery(values: Record<string, string | undefined>): void {
  const { path } = current();
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  const qs = params.toString();
  navigate(qs ? `${path}?${qs}` : path, { replace: true });
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const listener = () => setLoc(current());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }, []);
  return loc;
}

/** `/webhooks/deliveries/:id` against a path: the params, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

export function Link(props: {
  href: string;
  children?: ComponentChildren;
  class?: string;
  'aria-current'?: string;
}) {
  const { href, children, ...rest } = props;
  const onClick = (e: MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey)
      return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${BASE + (href === '/' ? '' : href)} onClick=${onClick} ...${rest}
    >${children}</a
  >`;
}
