import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { session } from '../api';
import { Link } from '../router';

export const SECTIONS: [string, string][] = [
  ['/', 'Overview'],
  ['/webhooks', 'Webhooks'],
  ['/triggers', 'Triggers'],
  ['/integrations', 'Integrations'],
  ['/calendar', 'Calendar'],
  ['/jobs', 'Jobs'],
  ['/events', 'Events'],
  ['/consumers', 'Consumers'],
];

const sectionOf = (path: string) =>
  SECTIONS.filter(([href]) =>
    href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`),
  )[0]?.[0];

/**
 * The frame of every page: a skip link, the banner with the navigation (a menu button below
 * 720 px), and the main landmark. After a navigation, focus moves to the page's heading so a
 * screen reader announces the new page.
 */
export function Layout({
  path,
  who,
  children,
}: {
  path: string;
  who: string;
  children: ComponentChildren;
}) {
  const [open, setOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    setOpen(false);
    if (first.current) {
      first.current = false;
      return;
    }
    const heading = main.current?.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }, [path]);
  const active = sectionOf(path);
  return html`<a class="skip" href="#main">Skip to content</a>
    <header class="banner">
      <div class="brand">Integration Hub <span>console</span></div>
      <button
        type="button"
        class="menu-toggle"
        aria-expanded=${open}
        aria-controls="site-nav"
        onClick=${() => setOpen(!open)}
      >
        Menu
      </button>
      <nav id="site-nav" class=${open ? 'open' : ''} aria-label="Sections">
        <ul>
          ${SECTIONS.map(
            ([href, label]) =>
              html`<li><${Link} href=${href} aria-current=${active === href ? 'page' : undefined}>${label}</${Link}></li>`,
          )}
        </ul>
      </nav>
      <div class="who">
        <span class="muted">${who}</span>
        <button type="button" onClick=${() => session.signOut('Signed out.')}>Sign out</button>
      </div>
    </header>
    <main id="main" ref=${main} tabindex="-1">${children}</main>`;
}
