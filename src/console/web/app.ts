import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { get, session } from './api';
import { Layout, SECTIONS } from './components/layout';
import { Calendar } from './pages/calendar';
import { Consumers } from './pages/consumers';
import { Deliveries } from './pages/deliveries';
import { Delivery } from './pages/delivery';
import { Endpoint } from './pages/endpoint';
import { Endpoints } from './pages/endpoints';
import { Events } from './pages/events';
import { Integration, IntegrationCard } from './pages/integration';
import { Integrations } from './pages/integrations';
import { Jobs } from './pages/jobs';
import { Overview } from './pages/overview';
import { SignIn, type WhoAmI } from './pages/sign-in';
import { Trigger } from './pages/trigger';
import { Triggers } from './pages/triggers';
import { match, useLocation, type Location } from './router';

type Page = (props: { params: Record<string, string>; loc: Location; who: WhoAmI }) => VNode;

const ROUTES: [string, Page][] = [
  ['/', Overview],
  ['/webhooks', Endpoints],
  ['/webhooks/endpoints/:id', Endpoint],
  ['/webhooks/deliveries', Deliveries],
  ['/webhooks/deliveries/:id', Delivery],
  ['/triggers', Triggers],
  ['/triggers/:id', Trigger],
  ['/integrations', Integrations],
  ['/integrations/:id', Integration],
  ['/integrations/:id/cards/:cardId', IntegrationCard],
  ['/calendar', Calendar],
  ['/jobs', Jobs],
  ['/events', Events],
  ['/consumers', Consumers],
];

function NotFound({ loc }: { loc: Location }) {
  return html`<h1>Not found</h1>
    <p>The console has no page at <code>/console${loc.path}</code>.</p>`;
}

/** Sign-in gate, then the page the path names inside the common layout. */
export function App() {
  const loc = useLocation();
  const [who, setWho] = useState<WhoAmI | null>(null);
  const [checking, setChecking] = useState(() => session.token() !== null);
  const [message, setMessage] = useState('');

  useEffect(
    () =>
      session.onSignOut((m) => {
        setWho(null);
        setMessage(m);
      }),
    [],
  );
  useEffect(() => {
    if (!session.token()) return;
    get<WhoAmI>('/auth/whoami')
      .then(setWho)
      .catch(() => undefined)
      .finally(() => setChecking(false));
  }, []);

  const found = ROUTES.map(([pattern, page]) => [match(pattern, loc.path), page] as const).find(
    ([params]) => params !== null,
  );
  const section =
    SECTIONS.find(([href]) => href !== '/' && loc.path.startsWith(href))?.[1] ?? 'Overview';
  useEffect(() => {
    document.title = `${who ? section : 'Sign in'} · Integration Hub console`;
  }, [section, who]);

  if (checking) return html`<main id="main"><p>Checking your session…</p></main>`;
  if (!who)
    return html`<${SignIn}
      message=${message}
      onSignedIn=${(w: WhoAmI) => {
        setMessage('');
        setWho(w);
      }}
    />`;
  const Page = found?.[1];
  return html`<${Layout} path=${loc.path} who=${who.id === who.via ? who.id : `${who.id} (${who.via})`}>
    ${
      Page
        ? html`<${Page} key=${loc.path} params=${found[0]} loc=${loc} who=${who} />`
        : html`<${NotFound} loc=${loc} />`
    }
  </${Layout}>`;
}
