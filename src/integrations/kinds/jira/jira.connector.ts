import type {
  Connector,
  PendingMessage,
  RemoteCall,
  RemoteRequest,
  RemoteResponse,
  SyncInput,
  SyncMarks,
  TestCheck,
} from '../connector.js';
import { cardLabel, fieldsHash } from '../card-marks.js';
import { RemoteFailure } from '../connector.js';
import { cardIssue } from '../create-once.js';
import { toAdf } from './adf.js';
import { JIRA } from './jira-answers.js';
import { JiraConfig } from './jira-config.js';

const API = '/rest/api/3';
/** The comment property that names the hub message a comment was made from. */
const COMMENT_PROPERTY = 'integration-hub.message';

interface JiraStatus {
  id: string;
  name: string;
}
interface JiraComment {
  id: string;
  properties?: { key: string; value?: { messageId?: string } }[];
}
interface JiraTransition {
  id: string;
  name: string;
  to: JiraStatus;
}

/**
 * Jira Cloud, REST v3. A card becomes an issue carrying a label derived from the card, so a
 * create whose answer was lost is found again instead of made twice (createOnce waits out
 * the search lag before it would create again); edits update summary
 * and description; a move picks the transition whose target status is the mapped one;
 * messages become comments; the card's url becomes a remote link with a stable globalId.
 */
export class JiraConnector implements Connector<JiraConfig> {
  readonly kind = 'jira';
  readonly configClass = JiraConfig;
  readonly secretFields = ['apiToken'] as const;

  withDefaults(c: JiraConfig): JiraConfig {
    return {
      ...c,
      issueType: c.issueType ?? 'Task',
      statusMap: c.statusMap ?? {},
      optOutTag: c.optOutTag ?? 'nojira',
    };
  }

  baseUrl(c: JiraConfig): string {
    return c.baseUrl.replace(/\/+$/, '');
  }

  issueUrl(c: JiraConfig, key: string): string {
    return `${this.baseUrl(c)}/browse/${enc(key)}`;
  }

  headers(c: JiraConfig): Record<string, string> {
    return {
      authorization: `Basic ${Buffer.from(`${c.email}:${c.apiToken}`).toString('base64')}`,
      accept: 'application/json',
    };
  }

  summarizeError(body: unknown): string {
    const b = body as { errorMessages?: unknown; errors?: unknown } | null;
    if (!b || typeof b !== 'object') return '';
    const parts = Array.isArray(b.errorMessages) ? b.errorMessages.map(String) : [];
    if (b.errors && typeof b.errors === 'object')
      for (const [field, message] of Object.entries(b.errors))
        parts.push(`${field}: ${String(message)}`);
    return parts.join('; ');
  }

  async *sync(config: JiraConfig, input: SyncInput, call: RemoteCall): SyncMarks {
    const { card } = input;
    const hash = fieldsHash(card.title, card.description);
    const { issue, syncedHash } = yield* this.issue(config, input, call, hash);
    const key = issue.key;
    if (syncedHash !== hash) {
      await call('update', {
        method: 'PUT',
        path: `${API}/issue/${enc(key)}`,
        body: { fields: { summary: summary(card.title), description: toAdf(card.description) } },
      });
      yield { mark: 'fieldsSynced', hash };
    }
    if (
      card.column !== null &&
      card.column !== card.syncedColumn &&
      Object.keys(config.statusMap ?? {}).length
    )
      yield* this.transition(config, call, key, card.column);
    if (card.url && card.url !== card.syncedUrl) {
      await call('link', {
        method: 'POST',
        path: `${API}/issue/${enc(key)}/remotelink`,
        body: {
          globalId: `integration-hub:card:${card.cardId}`,
          object: { url: card.url, title: summary(card.title) },
        },
      });
      yield { mark: 'urlSynced', url: card.url };
    }
    for (const message of input.messages) yield* this.commentOnce(call, key, message);
  }

  /**
   * Each comment carries a property with the message id; a post whose answer may have been
   * lost is looked up by it before posting again, so a retry never comments twice.
   */
  private async *commentOnce(call: RemoteCall, key: string, message: PendingMessage): SyncMarks {
    const { messageId } = message;
    const text = message.author ? `${message.author}: ${message.body}` : message.body;
    const body = toAdf(text);
    // Jira refuses an empty comment; a message of nothing printable has nothing to say.
    if (!body.content.length) {
      yield { mark: 'commentPosted', messageId, remoteCommentId: 'empty' };
      return;
    }
    if (message.attemptedAt) {
      const list = await call('lookup', {
        method: 'GET',
        path: `${API}/issue/${enc(key)}/comment`,
        query: { expand: 'properties', maxResults: '5000' },
        expect: JIRA.comments,
      });
      const comments = (list.body as { comments: JiraComment[] }).comments;
      const found = comments.find((c) =>
        c.properties?.some((p) => p.key === COMMENT_PROPERTY && p.value?.messageId === messageId),
      );
      if (found) {
        yield { mark: 'commentPosted', messageId, remoteCommentId: String(found.id) };
        return;
      }
    }
    yield { mark: 'commentAttempted', messageId };
    const res = await call('comment', {
      method: 'POST',
      path: `${API}/issue/${enc(key)}/comment`,
      body: {
        body,
        properties: [{ key: COMMENT_PROPERTY, value: { messageId } }],
      },
      expect: JIRA.createdComment,
    });
    yield {
      mark: 'commentPosted',
      messageId,
      remoteCommentId: String((res.body as { id: unknown }).id),
    };
  }

  /** The card's issue, else found by the card's label or made (at most one create per card). */
  private issue(config: JiraConfig, input: SyncInput, call: RemoteCall, hash: string) {
    const { card } = input;
    const label = cardLabel(card.cardId);
    return cardIssue(
      input,
      hash,
      async () => {
        const found = await call('lookup', {
          method: 'GET',
          path: `${API}/search/jql`,
          query: {
            jql: `project = "${config.projectKey}" AND labels = "${label}"`,
            fields: 'summary',
            maxResults: '1',
          },
          expect: JIRA.search,
        });
        const issue = (found.body as { issues: { id: string | number; key: string }[] }).issues[0];
        return issue && { key: issue.key, id: String(issue.id) };
      },
      async () => {
        const res = await call('create', {
          method: 'POST',
          path: `${API}/issue`,
          body: {
            fields: {
              project: { key: config.projectKey },
              issuetype: { name: config.issueType ?? 'Task' },
              summary: summary(card.title),
              description: toAdf(card.description),
              labels: [label],
            },
          },
          expect: JIRA.created,
        });
        const created = res.body as { id: string | number; key: string };
        return { key: created.key, id: String(created.id) };
      },
    );
  }

  private async *transition(
    config: JiraConfig,
    call: RemoteCall,
    key: string,
    column: string,
  ): SyncMarks {
    const target = config.statusMap?.[column];
    if (!target) {
      yield {
        mark: 'operationError',
        operation: 'transition',
        message: `column "${column}" is not in statusMap`,
      };
      yield { mark: 'columnSynced', column };
      return;
    }
    // One read answers both questions, whether the issue is already in the target status (a
    // resync, a move made in Jira) and which transitions lead on from it: expand=transitions
    // is the list GET .../transitions gives, from the same snapshot, one round trip less.
    const issue = await call('transition', {
      method: 'GET',
      path: `${API}/issue/${enc(key)}`,
      query: { fields: 'status', expand: 'transitions' },
      expect: JIRA.issueStatus,
    });
    const read = issue.body as { fields?: { status?: JiraStatus }; transitions?: JiraTransition[] };
    const current = read.fields?.status;
    if (current && isStatus(current, target)) {
      yield { mark: 'columnSynced', column };
      return;
    }
    // A server that ignored the expand sent no list: ask for it on its own.
    const transitions = read.transitions ?? (await this.transitionsOf(call, key));
    // The target status decides; a transition's own name is only the seed's fallback.
    const pick =
      transitions.find((t) => t.to && isStatus(t.to, target)) ??
      transitions.find((t) => t.name?.toLowerCase() === target.toLowerCase());
    if (pick)
      await call('transition', {
        method: 'POST',
        path: `${API}/issue/${enc(key)}/transitions`,
        body: { transition: { id: pick.id } },
      });
    else
      yield {
        mark: 'operationError',
        operation: 'transition',
        message: `no transition of ${key} leads to status "${target}" (column "${column}"); available: ${transitions.map((t) => `${t.name} -> ${t.to?.name}`).join(', ') || 'none'}`,
      };
    yield { mark: 'columnSynced', column };
  }

  private async transitionsOf(call: RemoteCall, key: string): Promise<JiraTransition[]> {
    const list = await call('transition', {
      method: 'GET',
      path: `${API}/issue/${enc(key)}/transitions`,
      expect: JIRA.transitions,
    });
    return (list.body as { transitions: JiraTransition[] }).transitions;
  }

  async test(
    config: JiraConfig,
    call: (r: RemoteRequest) => Promise<RemoteResponse>,
  ): Promise<TestCheck[]> {
    const checks: TestCheck[] = [];
    const attempt = async (r: RemoteRequest) => {
      try {
        return await call(r);
      } catch (err) {
        if (err instanceof RemoteFailure) return err;
        throw err;
      }
    };
    const me = await attempt({ method: 'GET', path: `${API}/myself`, expect: JIRA.myself });
    if (me instanceof RemoteFailure) {
      const field = me.status === 401 || me.status === 403 ? 'config.apiToken' : 'config.baseUrl';
      const message =
        me.status === 401 || me.status === 403
          ? `Jira refused the email and API token (HTTP ${me.status})`
          : `Jira did not answer GET /rest/api/3/myself: ${me.message}`;
      return [{ field, ok: false, message }];
    }
    checks.push({
      field: 'config.apiToken',
      ok: true,
      message: `authenticated as ${(me.body as { displayName?: string }).displayName ?? config.email}`,
    });
    const project = await attempt({
      method: 'GET',
      path: `${API}/project/${enc(config.projectKey)}`,
      expect: JIRA.project,
    });
    if (project instanceof RemoteFailure) {
      checks.push({
        field: 'config.projectKey',
        ok: false,
        message: `project ${config.projectKey} not found or not visible (${project.message})`,
      });
      return checks;
    }
    checks.push({
      field: 'config.projectKey',
      ok: true,
      message: `project ${config.projectKey} exists`,
    });
    const statuses = await attempt({
      method: 'GET',
      path: `${API}/project/${enc(config.projectKey)}/statuses`,
      expect: JIRA.statuses,
    });
    if (statuses instanceof RemoteFailure) {
      checks.push({
        field: 'config.statusMap',
        ok: false,
        message: `could not read the project's statuses: ${statuses.message}`,
      });
      return checks;
    }
    const types = statuses.body as { name: string; statuses: JiraStatus[] }[];
    const issueType = config.issueType ?? 'Task';
    const type = types.find((t) => t.name.toLowerCase() === issueType.toLowerCase());
    checks.push(
      type
        ? { field: 'config.issueType', ok: true, message: `issue type ${type.name} exists` }
        : {
            field: 'config.issueType',
            ok: false,
            message: `issue type "${issueType}" is not one of ${types.map((t) => t.name).join(', ')}`,
          },
    );
    const available = (type ?? types[0])?.statuses ?? [];
    for (const [column, target] of Object.entries(config.statusMap ?? {})) {
      const hit = available.find((st) => isStatus(st, target));
      checks.push(
        hit
          ? {
              field: `config.statusMap.${column}`,
              ok: true,
              message: `maps to status ${hit.name} (${hit.id})`,
            }
          : {
              field: `config.statusMap.${column}`,
              ok: false,
              message: `"${target}" is not a status of project ${config.projectKey}; statuses: ${available.map((st) => st.name).join(', ')}`,
            },
      );
    }
    return checks;
  }
}

function isStatus(status: JiraStatus, target: string): boolean {
  return String(status.id) === target || status.name?.toLowerCase() === target.toLowerCase();
}

/** Jira summaries: one line, at most 255 characters, never empty. */
function summary(title: string): string {
  const line = title
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .toWellFormed();
  return line ? (line.length > 255 ? `${line.slice(0, 254)}…` : line) : '(untitled card)';
}

function enc(key: string): string {
  return encodeURIComponent(key);
}
