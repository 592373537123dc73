import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api';
import { Pager, usePaged } from '../components/paged';
import { ErrorBox } from '../components/problem';
import { Badge } from '../components/status';
import { Table } from '../components/table';
import { ago, duration, time } from '../format';
import { setQuery, type Location } from '../router';

interface Binding {
  id: string;
  userId: string;
  calendarPath: string;
  calendarUrl: string;
  displayName: string | null;
  scopeKind: string;
  scopeId: string | null;
  enabled: boolean;
  objects: number;
  lastSyncAt: string | null;
  lastSyncError: string | null;
  nextSyncAt: string | null;
}

interface SyncRun {
  id: string;
  startedAt: string;
  durationMs: number;
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
  remoteChanges: number;
  errors: number;
  firstError: string | null;
  fullResync: boolean;
}

const PAGE = 50;
/** How long "sync now" watches the log for the run it asked for before saying it is queued. */
const WATCH_MS = 60_000;

/**
 * The sync log of one binding, and "sync now": the run is a job, so after the 202 the log
 * is re-read every second until a run that started after the click shows up.
 */
function SyncLog({ binding, onSynced }: { binding: Binding; onSynced: () => void }) {
  const [runs, setRuns] = useState<SyncRun[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [waitingSince, setWaitingSince] = useState<number | null>(null);
  const [note, setNote] = useState('');
  const path = `/admin/calendar/bindings/${binding.id}/sync-log`;

  useEffect(() => {
    let stopped = false;
    let timer: number | undefined;
    const read = async () => {
      try {
        const log = await get<{ data: SyncRun[] }>(path, { limit: 20 });
        if (stopped) return;
        setRuns(log.data);
        setError(null);
        if (waitingSince === null) return;
        if (log.data.some((r) => Date.parse(r.startedAt) >= waitingSince)) {
          setWaitingSince(null);
          setNote('Sync finished.');
          onSynced();
        } else if (Date.now() - waitingSince > WATCH_MS) {
          setWaitingSince(null);
          setNote('The sync is queued; it has not logged a run yet.');
        } else timer = window.setTimeout(read, 1000);
      } catch (err) {
        if (!stopped) setError(err);
      }
    };
    void read();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [path, waitingSince]);

  const syncNow = async () => {
    setError(null);
    setNote('');
    // Compared with the server's startedAt: a second of slack for clock and rounding.
    const since = Date.now() - 1000;
    try {
      await post(`/admin/calendar/bindings/${binding.id}/sync`);
      setNote('Sync requested…');
      setWaitingSince(since);
    } catch (err) {
      setError(err);
    }
  };

  return html`<section aria-labelledby="sync-log-h" class="panel">
    <h2 id="sync-log-h">Sync log: ${binding.displayName ?? binding.calendarPath}</h2>
    <div class="toolbar">
      <button type="button" class="primary" onClick=${syncNow} disabled=${waitingSince !== null}>
        Sync now
      </button>
      <span aria-live="polite">${note}</span>
    </div>
    <${ErrorBox} error=${error} />
    ${
      runs === null
        ? html`<p class="muted">Loading…</p>`
        : runs.length === 0
          ? html`<p class="muted">No sync has run yet.</p>`
          : html`<${Table} label="Sync log">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col" class="num">Took</th>
                <th scope="col" class="num">Created</th>
                <th scope="col" class="num">Updated</th>
                <th scope="col" class="num">Deleted</th>
                <th scope="col" class="num">Unchanged</th>
                <th scope="col" class="num">Remote changes</th>
                <th scope="col" class="num">Errors</th>
                <th scope="col">First error</th>
              </tr>
            </thead>
            <tbody>
              ${runs.map(
                (r) =>
                  html`<tr class="sync-run">
                    <td>${time(r.startedAt)}${r.fullResync ? ' (full)' : ''}</td>
                    <td class="num">${duration(r.durationMs)}</td>
                    <td class="num">${r.created}</td>
                    <td class="num">${r.updated}</td>
                    <td class="num">${r.deleted}</td>
                    <td class="num">${r.unchanged}</td>
                    <td class="num">${r.remoteChanges}</td>
                    <td class="num">${r.errors}</td>
                    <td class="error-text">${r.firstError ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </${Table}>`
    }
  </section>`;
}

interface Account {
  userId: string;
  serverUrl: string;
  username: string;
  bindings: number;
  failingBindings: number;
  worstError: string | null;
  updatedAt: string;
}

/** Every user's CalDAV account (never its password), paged by user id. */
function Accounts() {
  const list = usePaged<Account>('/admin/calendar/accounts', { limit: PAGE });
  return html`<section aria-labelledby="accounts-h">
    <h2 id="accounts-h">Accounts</h2>
    ${
      list.items.length
        ? html`<${Table} label="CalDAV accounts">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">Server</th>
              <th scope="col">User name</th>
              <th scope="col" class="num">Bindings</th>
              <th scope="col" class="num">Failing</th>
              <th scope="col">Worst error</th>
            </tr>
          </thead>
          <tbody>
            ${list.items.map(
              (a) =>
                html`<tr>
                  <td>${a.userId}</td>
                  <td>${a.serverUrl}</td>
                  <td>${a.username}</td>
                  <td class="num">${a.bindings}</td>
                  <td class="num">${a.failingBindings}</td>
                  <td class="error-text">${a.worstError ?? ''}</td>
                </tr>`,
            )}
          </tbody>
        </${Table}>`
        : ''
    }
    <${Pager} list=${list} empty="No CalDAV accounts yet." />
  </section>`;
}

/** Every user's calendar bindings (admin view), each with its sync log and "sync now". */
export function Calendar({ loc }: { loc: Location }) {
  const list = usePaged<Binding>('/admin/calendar/bindings', { limit: PAGE });
  const selected = loc.query.get('binding');
  const bindings = list.items;
  const current = bindings.find((b) => b.id === selected);
  return html`<h1>Calendar</h1>
    <${Accounts} />
    <section aria-labelledby="bindings-h">
      <h2 id="bindings-h">Bindings</h2>
      ${
        bindings.length
          ? html`<${Table} label="Calendar bindings">
            <thead>
              <tr>
                <th scope="col">Calendar</th>
                <th scope="col">User</th>
                <th scope="col">Scope</th>
                <th scope="col">State</th>
                <th scope="col" class="num">Objects</th>
                <th scope="col">Last sync</th>
                <th scope="col">Last error</th>
                <th scope="col"><span class="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              ${bindings.map(
                (b) =>
                  html`<tr class=${b.id === selected ? 'selected' : ''}>
                    <td>
                      ${b.displayName ?? b.calendarPath}
                      <div class="muted small">${b.calendarPath}</div>
                    </td>
                    <td>${b.userId}</td>
                    <td>${b.scopeKind}${b.scopeId ? ` ${b.scopeId}` : ''}</td>
                    <td>
                      <${Badge}
                        value=${!b.enabled ? 'disabled' : b.lastSyncError ? 'failing' : 'enabled'}
                      />
                    </td>
                    <td class="num">${b.objects}</td>
                    <td>${ago(b.lastSyncAt)}</td>
                    <td class="error-text">${b.lastSyncError ?? ''}</td>
                    <td>
                      <button
                        type="button"
                        aria-label=${`Sync log of ${b.displayName ?? b.calendarPath}`}
                        onClick=${() => setQuery({ binding: b.id })}
                      >
                        Sync log
                      </button>
                    </td>
                  </tr>`,
              )}
            </tbody>
          </${Table}>`
          : ''
      }
      <${Pager} list=${list} empty="No calendar bindings yet." />
    </section>
    ${current ? html`<${SyncLog} key=${current.id} binding=${current} onSynced=${list.reload} />` : ''}`;
}
