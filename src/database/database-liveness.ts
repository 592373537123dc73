import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { SchedulerRegistry } from '@nestjs/schedule';
import * as net from 'node:net';
import { Client } from 'pg';
import { DatabaseConfig } from '../config/index.js';
import { DatabaseUnavailableError } from './connectivity-error.js';

const PROBE_INTERVAL_MS = 1000;
/**
 * While nothing was sent on the pool's sockets there is no query a frozen server could hang,
 * so an idle instance sends the probe this seldom; the timer still looks every second, and
 * the first bytes sent bring the probe back within PROBE_INTERVAL_MS.
 */
const IDLE_PROBE_INTERVAL_MS = 15_000;
/** The probe's re-arming timeout in the SchedulerRegistry. */
export const LIVENESS_TIMER = 'database.liveness';

export interface LivenessState {
  up: boolean;
  /** When the current state began (ms since epoch). */
  since: number;
  /** Why the last probe failed, while down. */
  reason?: string;
}

/**
 * Probes the server with `SELECT 1` every second on its own connection and acts on the answer
 * (every 15 s while the instance sends nothing to the database: see IDLE_PROBE_INTERVAL_MS).
 *
 * A stopped server refuses connections at once, but a frozen one (SIGSTOP, a hung host, a
 * black-holed network) still completes the TCP handshake in the kernel and then never answers:
 * a query on an open pool connection waits forever, and statement_timeout cannot help because
 * the server enforces it. So when a probe times out we destroy every pool socket (their queries
 * fail with "Connection terminated unexpectedly", as when the server drops them), and while the
 * probe keeps failing new pool connections fail immediately instead of waiting out the
 * connect timeout. Requests then get a 503 within about PROBE_INTERVAL + DB_HEALTH_TIMEOUT_MS.
 *
 * The next probe is a timeout registered as `database.liveness` with the SchedulerRegistry,
 * re-armed after each probe. It runs until onApplicationShutdown, so it still watches the
 * pool while jobs drain in beforeApplicationShutdown (ScheduleModule, which deletes what is
 * still registered, shuts down after the modules that drain: see AppModule).
 */
@Injectable()
export class DatabaseLiveness implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private readonly sockets = new Set<net.Socket>();
  private readonly config: DatabaseConfig;
  private state: LivenessState = { up: true, since: Date.now() };
  private probe?: { client: Client; socket: net.Socket };
  private stopped = false;
  private timeoutsInARow = 0;
  /** Each socket's bytesWritten when last looked at (sentSinceLastLook). */
  private readonly bytesSeen = new WeakMap<net.Socket, number>();
  private lastProbeAt = 0;

  constructor(
    config: ConfigService,
    private readonly ticks: SchedulerRegistry,
  ) {
    this.config = config.getOrThrow<DatabaseConfig>('database');
  }

  get current(): LivenessState {
    return this.state;
  }

  /**
   * pg's `stream` option for the app pool and the LISTEN connection: their sockets are made
   * here, so they can be refused while the server is unresponsive and destroyed when it stops
   * answering.
   */
  readonly socketFactory = (): net.Socket => {
    const socket = new net.Socket();
    if (!this.state.up) {
      const reason = this.state.reason;
      // pg calls connect() right after; failing there reaches the caller as a connect error.
      socket.connect = (() => {
        process.nextTick(() =>
          socket.destroy(new DatabaseUnavailableError(`liveness probe failing: ${reason}`)),
        );
        return socket;
      }) as typeof socket.connect;
      return socket;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  };

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.disarm();
    this.dropProbe();
  }

  /**
   * Whether any pool or LISTEN socket sent bytes since the last look (a local read of
   * each socket's counter, no query).
   */
  private sentSinceLastLook(): boolean {
    let sent = false;
    for (const socket of this.sockets) {
      if (socket.bytesWritten !== (this.bytesSeen.get(socket) ?? 0)) sent = true;
      this.bytesSeen.set(socket, socket.bytesWritten);
    }
    return sent;
  }

  private schedule(delayMs = PROBE_INTERVAL_MS): void {
    if (this.stopped) return;
    this.disarm();
    const timer = setTimeout(() => void this.runProbe(), delayMs);
    timer.unref();
    this.ticks.addTimeout(LIVENESS_TIMER, timer);
  }

  private disarm(): void {
    if (this.ticks.doesExist('timeout', LIVENESS_TIMER)) this.ticks.deleteTimeout(LIVENESS_TIMER);
  }

  private async runProbe(): Promise<void> {
    // Idle and up: nothing a frozen server could hang was sent, so skip this second's probe
    // (the timer itself costs no query) until IDLE_PROBE_INTERVAL_MS since the last one.
    const sent = this.sentSinceLastLook();
    if (this.state.up && !sent && Date.now() - this.lastProbeAt < IDLE_PROBE_INTERVAL_MS)
      return this.schedule(PROBE_INTERVAL_MS);
    this.lastProbeAt = Date.now();
    let next = PROBE_INTERVAL_MS;
    try {
      await withinProbeTimeout(
        this.probeClient().then((client) => client.query('SELECT 1')),
        this.config.healthTimeoutMs,
      );
      this.timeoutsInARow = 0;
      this.markUp();
    } catch (err) {
      this.dropProbe();
      this.timeoutsInARow = err instanceof ProbeTimeout ? this.timeoutsInARow + 1 : 0;
      // After a timeout, ask again at once: a second one in a row confirms it.
      if (this.timeoutsInARow === 1) next = 0;
      this.markDown(err as Error);
    } finally {
      this.schedule(next);
    }
  }

  private async probeClient(): Promise<Client> {
    if (this.probe) return this.probe.client;
    const socket = new net.Socket();
    // No pg connect or query timeout here: withinProbeTimeout bounds both (see there).
    const client = new Client({
      connectionString: this.config.url,
      application_name: 'integration-hub-probe',
      stream: () => socket,
      statement_timeout: this.config.healthTimeoutMs,
    });
    client.on('error', () => {
      if (this.probe?.client === client) this.dropProbe();
    });
    this.probe = { client, socket };
    await client.connect();
    return client;
  }

  private dropProbe(): void {
    this.probe?.socket.destroy();
    this.probe = undefined;
  }

  private markUp(): void {
    if (this.state.up) return;
    const downMs = Date.now() - this.state.since;
    this.state = { up: true, since: Date.now() };
    this.logger.log(`database answers again after ${Math.round(downMs / 1000)} s`);
  }

  private markDown(err: Error): void {
    const reason = err.message || err.name;
    // Two timeouts in a row mean the server holds the sockets but does not answer (frozen):
    // nothing on them will ever complete, so end them (once; later sockets are refused while
    // down). One alone may be a busy server or a starved host: ending every connection then
    // would fail work that was about to finish. A refused or dropped connection needs no help.
    if (err instanceof ProbeTimeout && this.timeoutsInARow === 2 && this.sockets.size > 0) {
      this.logger.warn(
        `database still not answering: closing ${this.sockets.size} pool connections`,
      );
      for (const socket of this.sockets) socket.destroy();
    }
    if (!this.state.up) {
      this.state.reason = reason;
      return;
    }
    this.state = { up: false, since: Date.now(), reason };
    this.logger.warn(`database unreachable (${reason}); API requests answer 503 until it is back`);
  }
}

class ProbeTimeout extends Error {
  constructor(ms: number) {
    super(`no answer to SELECT 1 within ${ms} ms`);
    this.name = 'ProbeTimeout';
  }
}

/**
 * Rejects with ProbeTimeout after `ms`, but decides only after one more pass of the event
 * loop's I/O phase (setImmediate runs after poll): if this process itself was stalled (GC, a
 * CPU-bound request), the answer may already be waiting in the socket, and a stalled app must
 * not take a healthy database for a frozen one and close every pool connection.
 */
function withinProbeTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(
      () => setImmediate(() => settle(() => reject(new ProbeTimeout(ms)))),
      ms,
    );
    work.then(
      (value) => settle(() => resolve(value)),
      (err: unknown) => settle(() => reject(err as Error)),
    );
  });
}
