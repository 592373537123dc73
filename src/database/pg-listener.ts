import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Client } from 'pg';
import { DatabaseConfig } from '../config/index.js';
import { DatabaseLiveness } from './database-liveness.js';

type Handler = (payload: string) => void;

/**
 * One dedicated connection per instance for PostgreSQL LISTEN. NOTIFY is transactional (sent
 * at commit), which makes it the cross-instance "something was committed" signal. On
 * reconnect every handler is called once with an empty payload, because notifications sent
 * while we were away are lost: callers treat a call as "go and look", never as the data.
 */
@Injectable()
export class PgListener implements OnApplicationShutdown {
  private readonly logger = new Logger(PgListener.name);
  private readonly handlers = new Map<string, Set<Handler>>();
  private client?: Client;
  private connecting?: Promise<void>;
  private closed = false;
  private retryDelayMs = 250;

  constructor(
    private readonly config: ConfigService,
    private readonly liveness: DatabaseLiveness,
  ) {}

  async listen(channel: string, handler: Handler): Promise<void> {
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name ${channel}`);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client) await this.client.query(`LISTEN ${channel}`);
    }
    set.add(handler);
    await this.ensureConnected();
  }

  unlisten(channel: string, handler: Handler): void {
    this.handlers.get(channel)?.delete(handler);
  }

  private ensureConnected(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const db = this.config.getOrThrow<DatabaseConfig>('database');
    // A connect timeout so a frozen server cannot hang a reconnect for good; no statement or
    // query timeout: this session idles in LISTEN for its whole life. Its socket comes from
    // the liveness probe, which closes it when the server stops answering: an idle LISTEN
    // socket would never notice a server that froze and then went away for good.
    const client = new Client({
      connectionString: db.url,
      application_name: 'integration-hub-listener',
      connectionTimeoutMillis: db.connectTimeoutMs,
      stream: this.liveness.socketFactory,
    });
    client.on('notification', (msg) => this.dispatch(msg.channel, msg.payload ?? ''));
    client.on('error', (err) => this.onLost(client, err));
    client.on('end', () => this.onLost(client));
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
    this.client = client;
    this.retryDelayMs = 250;
  }

  private onLost(client: Client, err?: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.logger.warn(`LISTEN connection lost${err ? `: ${err.message}` : ''}; reconnecting`);
    const retry = () => {
      if (this.closed) return;
      this.ensureConnected()
        .then(() => {
          for (const channel of this.handlers.keys()) this.dispatch(channel, '');
        })
        .catch(() => {
          this.retryDelayMs = Math.min(this.retryDelayMs * 2, 10_000);
          setTimeout(retry, this.retryDelayMs).unref();
        });
    };
    setTimeout(retry, this.retryDelayMs).unref();
  }

  private dispatch(channel: string, payload: string): void {
    for (const handler of this.handlers.get(channel) ?? []) {
      try {
        handler(payload);
      } catch (err) {
        this.logger.error(err);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
