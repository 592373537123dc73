import { createHash } from 'node:crypto';
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
import { RemoteFailure } from '../connector.js';
import { cardLabel, fieldsHash } from '../card-marks.js';
import { cardIssue } from '../create-once.js';
import { GITHUB } from './github-answers.js';
import { GitHubConfig } from './github-config.js';

const API_ROOT = 'https://api.github.com';

interface GitHubComment {
  id: number;
  body?: string | null;
}

/**
 * GitHub Issues, REST API 2022-11-28. A card becomes an issue with its tags as labels plus a
 * card label (found again after a lost create answer); the column maps to open/closed with a
 * state reason; messages become comments carrying a hidden marker with the message id, so a
 * retry after a lost answer finds the comment instead of posting it twice.
 */
export class GitHubConnector implements Connector<GitHubConfig> {
  readonly kind = 'github';
  readonly configClass = GitHubConfig;
  readonly secretFields = ['token'] as const;

  withDefaults(c: GitHubConfig): GitHubConfig {
    return {
      ...c,
      baseUrl: c.baseUrl ?? API_ROOT,
      statusMap: c.statusMap ?? {},
      optOutTag: c.optOutTag ?? 'nogithub',
    };
  }

  baseUrl(c: GitHubConfig): string {
    return (c.baseUrl ?? API_ROOT).replace(/\/+$/, '');
  }

  issueUrl(c: GitHubConfig, key: string): string {
    const web =
      this.baseUrl(c) === API_ROOT
        ? 'https://github.com'
        : this.baseUrl(c).replace(/\/api\/v3$/, '');
    return `${web}/${c.owner}/${c.repo}/issues/${key.replace(/^#/, '')}`;
  }

  headers(c: GitHubConfig): Record<string, string> {
    return {
      authorization: `Bearer ${c.token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      'user-agent': 'integration-hub',
    };
  }

  summarizeError(body: unknown): string {
    const b = body as { message?: unknown; errors?: unknown } | null;
    if (!b || typeof b !== 'object') return '';
    const parts = typeof b.message === 'string' ? [b.message] : [];
    if (Array.isArray(b.errors))
      for (const e of b.errors as { field?: string; code?: string; message?: string }[])
        parts.push([e.field, e.message ?? e.code].filter(Boolean).join(': '));
    return parts.join('; ');
  }

  async *sync(c: GitHubConfig, input: SyncInput, call: RemoteCall): SyncMarks {
    const { card } = input;
    const repo = `/repos/${c.owner}/${c.repo}`;
    const labels = [
      ...new Set([...card.tags.map(label).filter(Boolean), cardLabel(card.cardId)]),
    ].slice(0, 100);
    const body = issueBody(card.description, card.url);
    const hash = fieldsHash(card.title, body, ...labels);
    const { issue, syncedHash } = yield* this.issue(input, call, repo, hash, {
      title: title(card.title),
      body,
      labels,
    });
    const number = issue.id;
    if (syncedHash !== hash) {
      await call('update', {
        method: 'PATCH',
        path: `${repo}/issues/${number}`,
        body: { title: title(card.title), body, labels },
      });
      yield { mark: 'fieldsSynced', hash };
    }
    if (
      card.column !== null &&
      card.column !== card.syncedColumn &&
      Object.keys(c.statusMap ?? {}).length
    ) {
      const target = c.statusMap?.[card.column];
      if (!target)
        yield {
          mark: 'operationError',
          operation: 'transition',
          message: `column "${card.column}" is not in statusMap`,
        };
      else {
        const [state, reason] = target.split(':');
        await call('transition', {
          method: 'PATCH',
          path: `${repo}/issues/${number}`,
          body:
            state === 'closed' ? { state, state_reason: reason ?? 'completed' } : { state: 'open' },
        });
      }
      yield { mark: 'columnSynced', column: card.column };
    }
    for (const message of input.messages) yield* this.commentOnce(call, repo, number, message);
  }

  /**
   * The card's issue, else found by the card's label or made, through createOnce. The lookup
   * lists the repository's issues (not the search API, which lags); GitHub does not promise
   * that list is current either, so createOnce's settle window applies to it too.
   */
  private issue(
    input: SyncInput,
    call: RemoteCall,
    repo: string,
    hash: string,
    issue: Record<string, unknown>,
  ) {
    return cardIssue(
      input,
      hash,
      async () => {
        const found = await call('lookup', {
          method: 'GET',
          path: `${repo}/issues`,
          query: { labels: cardLabel(input.card.cardId), state: 'all', per_page: '1' },
          expect: GITHUB.issues,
        });
        const hit = (found.body as { number: number }[])[0];
        return hit && { key: `#${hit.number}`, id: String(hit.number) };
      },
      async () => {
        const res = await call('create', {
          method: 'POST',
          path: `${repo}/issues`,
          body: issue,
          expect: GITHUB.created,
        });
        const { number } = res.body as { number: number };
        return { key: `#${number}`, id: String(number) };
      },
    );
  }

  private async *commentOnce(
    call: RemoteCall,
    repo: string,
    number: string,
    message: PendingMessage,
  ): SyncMarks {
    const { messageId } = message;
    const marker = `<!-- integration-hub:message:${createHash('sha256').update(messageId).digest('hex').slice(0, 32)} -->`;
    if (message.attemptedAt) {
      const list = await call('lookup', {
        method: 'GET',
        path: `${repo}/issues/${number}/comments`,
        query: { per_page: '100' },
        expect: GITHUB.comments,
      });
      const found = (list.body as GitHubComment[]).find((x) => x.body?.includes(marker));
      if (found) {
        yield { mark: 'commentPosted', messageId, remoteCommentId: String(found.id) };
        return;
      }
    }
    yield { mark: 'commentAttempted', messageId };
    const text = message.author ? `**${message.author}**: ${message.body}` : message.body;
    const res = await call('comment', {
      method: 'POST',
      path: `${repo}/issues/${number}/comments`,
      body: { body: `${text}\n\n${marker}` },
      expect: GITHUB.createdComment,
    });
    yield {
      mark: 'commentPosted',
      messageId,
      remoteCommentId: String((res.body as { id: unknown }).id),
    };
  }

  async test(
    c: GitHubConfig,
    call: (r: RemoteRequest) => Promise<RemoteResponse>,
  ): Promise<TestCheck[]> {
    try {
      await call({ method: 'GET', path: '/user', expect: GITHUB.user });
    } catch (err) {
      if (!(err instanceof RemoteFailure)) throw err;
      // A rate-limited 403 is not a refused token.
      const auth = (err.status === 401 || err.status === 403) && !err.retryable;
      return [
        {
          field: auth ? 'config.token' : 'config.baseUrl',
          ok: false,
          message: auth ? `GitHub refused the token (HTTP ${err.status})` : err.message,
        },
      ];
    }
    const checks: TestCheck[] = [{ field: 'config.token', ok: true, message: 'token accepted' }];
    try {
      const repo = await call({
        method: 'GET',
        path: `/repos/${c.owner}/${c.repo}`,
        expect: GITHUB.repo,
      });
      const issues = (repo.body as { has_issues?: boolean }).has_issues !== false;
      checks.push({
        field: 'config.repo',
        ok: issues,
        message: issues
          ? `${c.owner}/${c.repo} exists`
          : `${c.owner}/${c.repo} has issues turned off`,
      });
    } catch (err) {
      if (!(err instanceof RemoteFailure)) throw err;
      checks.push({
        field: 'config.repo',
        ok: false,
        message: `${c.owner}/${c.repo} not found or not visible to the token (${err.message})`,
      });
    }
    return checks;
  }
}

/** GitHub labels: at most 50 characters, no commas. */
function label(tag: string): string {
  return tag.replace(/,/g, ' ').trim().slice(0, 50);
}

function title(t: string): string {
  const line = t
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .toWellFormed();
  return line ? line.slice(0, 256) : '(untitled card)';
}

/** Markdown as is (GitHub renders it), with the link back to the card. */
function issueBody(description: string, url: string | null): string {
  const text = description.toWellFormed().slice(0, 60_000);
  return url ? `${text}\n\n[Open the card](${url})`.trim() : text;
}
