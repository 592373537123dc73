import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OverBudgetError } from '../caldav/caldav-budget.js';
import { CalDavError, type CalDavClient } from '../caldav/caldav-client.js';
import { DavBodies } from '../caldav/dav-bodies.js';
import {
  calendarPath,
  discover,
  listCalendars,
  type DiscoveredCalendar,
} from '../caldav/discovery.js';
import { BindingRepository } from '../bindings/binding.repository.js';
import { CalendarException } from '../calendar.exception.js';
import { keepsStoredSecret, REDACTED } from '../../common/security/redaction.js';
import { AccountDto, AccountTestDto, CalendarListDto, PutAccountDto } from '../dto/account.dto.js';
import { SyncScheduler } from '../binding-sync/sync-scheduler.js';
import { AccountRepository, type AccountRow } from './account.repository.js';
import { CalDavSessions } from './caldav-sessions.js';
import { worstError } from './worst-error.js';

const FIRST_CALENDAR_NAME = 'Integration Hub';

/** Connecting a user's CalDAV account: discovery at save time, the first-time binding. */
@Injectable()
export class AccountsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly accounts: AccountRepository,
    private readonly bindings: BindingRepository,
    private readonly sessions: CalDavSessions,
    private readonly scheduler: SyncScheduler,
  ) {}

  async put(userId: string, dto: PutAccountDto): Promise<AccountDto> {
    const url = await this.sessions.assertUrlAllowed(dto.serverUrl, 'serverUrl');
    const existing = await this.accounts.get(this.db.manager, userId);
    if (!existing && (await this.accounts.isDisconnecting(this.db.manager, userId)))
      throw CalendarException.disconnecting();
    const keepPassword = dto.password === undefined || keepsStoredSecret(dto.password);
    if (keepPassword && !existing) throw CalendarException.invalid('password', 'is required');
    // The stored password belongs to the origin it was given for: before anything is sent to
    // another one, the user says so by giving the password again.
    if (keepPassword && new URL(existing!.serverUrl).origin !== url.origin)
      throw CalendarException.invalid(
        'password',
        `is required again: serverUrl moves the account from ${new URL(existing!.serverUrl).origin} to ${url.origin}, and the stored password is only ever sent to the origin it was given for`,
      );
    const sealed = keepPassword ? existing!.passwordSealed : this.sessions.seal(dto.password!);
    const client = this.sessions.forAccount({
      serverUrl: url.href,
      username: dto.username,
      passwordSealed: sealed,
    });
    const found = await this.discoverOrExplain(client, url.href);
    let calendars: DiscoveredCalendar[] | null = null;
    const autoBind = dto.autoBind !== false;
    if (autoBind && (!existing || (await this.bindings.count(this.db.manager, userId)) === 0)) {
      calendars = await this.explain(() => listCalendars(client, found.homeSetUrl));
    }
    const firstCalendar =
      calendars === null
        ? null
        : (calendars.find((c) => c.supportsEvents) ??
          (await this.explain(() =>
            this.makeCalendar(client, found.homeSetUrl, FIRST_CALENDAR_NAME),
          )));
    let autoBoundBindingId: string | null = null;
    await this.db.transaction(async (m) => {
      const saved = await this.accounts.save(m, {
        userId,
        serverUrl: url.href,
        username: dto.username,
        passwordSealed: sealed,
        principalUrl: found.principalUrl,
        homeSetUrl: found.homeSetUrl,
      });
      if (!saved) throw CalendarException.disconnecting();
      // Under the account's row lock (a binding insert takes it too), so none slips in.
      const oldHome = existing?.homeSetUrl ?? existing?.serverUrl;
      if (oldHome && oldHome !== found.homeSetUrl) {
        const bound = await this.bindings.count(m, userId);
        if (bound > 0) throw CalendarException.accountMoved(oldHome, found.homeSetUrl, bound);
      }
      // Re-checked under the row lock of the account write: two PUTs at once bind once.
      if (firstCalendar && (await this.bindings.count(m, userId)) === 0) {
        autoBoundBindingId = await this.bindings.insert(m, {
          userId,
          calendarUrl: firstCalendar.url,
          displayName: firstCalendar.displayName,
          scopeKind: 'all_visible',
          scopeId: null,
          includePersonal: false,
          enabled: true,
          conflictPolicy: 'hub_wins',
          syncCron: null,
          syncTimeZone: null,
        });
        await this.scheduler.start(autoBoundBindingId, m);
      }
    });
    return { ...(await this.get(userId)), autoBoundBindingId };
  }

  async get(userId: string): Promise<AccountDto> {
    const a = await this.require(userId);
    const bindings = await this.bindings.list(this.db.manager, userId);
    return {
      serverUrl: a.serverUrl,
      username: a.username,
      password: REDACTED,
      principalUrl: a.principalUrl,
      homeSetUrl: a.homeSetUrl,
      bindings: bindings.length,
      worstError: worstError(bindings.map((b) => b.lastSyncError)),
      createdAt: a.createdAt.toISOString(),
      updatedAt: a.updatedAt.toISOString(),
    };
  }

  /** Discovery again with the stored credentials; a failure is an answer, not an error. */
  async test(userId: string): Promise<AccountTestDto> {
    const a = await this.require(userId);
    const started = Date.now();
    try {
      const client = this.sessions.forAccount(a);
      const found = await discover(client, a.serverUrl);
      const calendars = await listCalendars(client, found.homeSetUrl);
      return {
        ok: true,
        calendars: calendars.length,
        error: null,
        durationMs: Date.now() - started,
      };
    } catch (err) {
      return {
        ok: false,
        calendars: null,
        error: (err as Error).message,
        durationMs: Date.now() - started,
      };
    }
  }

  async calendars(userId: string): Promise<CalendarListDto> {
    const { client, account } = await this.session(userId);
    const list = await this.explain(() => listCalendars(client, account.homeSetUrl!));
    const bound = new Map(
      (await this.bindings.list(this.db.manager, userId)).map((b) => [b.calendarUrl, b.id]),
    );
    return {
      data: list.map((c) => ({
        calendarPath: c.href,
        url: c.url,
        displayName: c.displayName,
        supportsEvents: c.supportsEvents,
        supportsSyncToken: c.supportsSyncToken,
        bindingId: bound.get(c.url) ?? null,
      })),
    };
  }

  /** The user's account with a client, for the bindings service. */
  async session(userId: string): Promise<{ account: AccountRow; client: CalDavClient }> {
    const account = await this.require(userId);
    return { account, client: this.sessions.forAccount(account) };
  }

  /** MKCALENDAR (RFC 4791 section 5.3.1) under the home set, with a fresh path. */
  async makeCalendar(
    client: CalDavClient,
    homeSetUrl: string,
    name: string,
  ): Promise<DiscoveredCalendar> {
    const slug = `hub-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const url = new URL(`${slug}/`, homeSetUrl.endsWith('/') ? homeSetUrl : `${homeSetUrl}/`);
    const res = await client.send('MKCALENDAR', url.href, {
      body: DavBodies.mkcalendar(name),
      headers: { 'content-type': 'application/xml; charset=utf-8' },
    });
    if (res.status !== 201)
      throw new CalDavError(`MKCALENDAR ${url.href} answered ${res.status}`, res.status);
    return {
      url: url.href,
      href: calendarPath(client, url),
      displayName: name,
      supportsEvents: true,
      supportsSyncToken: true,
    };
  }

  private async require(userId: string): Promise<AccountRow> {
    const a = await this.accounts.get(this.db.manager, userId);
    if (!a) throw CalendarException.noAccount();
    return a;
  }

  private discoverOrExplain(client: CalDavClient, url: string) {
    return this.explain(() => discover(client, url));
  }

  /** A CalDAV failure on the user's behalf: 422 naming the field the user can fix. */
  async explain<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      // An answer over the parse budget is as unusable as an unreadable one.
      if (err instanceof OverBudgetError)
        throw CalendarException.serverRefused('serverUrl', err.message);
      if (!(err instanceof CalDavError)) throw err;
      const field = err.status === 401 || err.status === 403 ? 'password' : 'serverUrl';
      throw CalendarException.serverRefused(field, err.message);
    }
  }
}

/** A stopped run ("would delete", "answered 503") ranks above a single failed object. */
