import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  BeforeApplicationShutdown,
} from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { OnEvent } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { eventsConfig } from '../../config/events.config.js';
import { PgListener } from '../../database/pg-listener.js';
import { EVENTS_APPENDED, EVENTS_CHANNEL } from '../event-bus.js';
import { EventLogIdentity } from '../event-log-identity.js';
import { EventLogRepository } from '../event-log.repository.js';
import { EVENT_TYPE_FILTER_PATTERN } from '../event-type-filter.js';
import { ConsumerLoop } from './consumer-loop.js';
import { ConsumerMetrics } from './consumer-metrics.js';
import { ConsumerStateRepository } from './consumer-state.repository.js';
import {
  EVENT_CONSUMER_KEY,
  EventConsumerOptions,
  EventHandler,
} from './event-consumer.decorator.js';

const NAME_PATTERN = /^[a-z][a-z0-9._-]{0,99}$/;

/**
 * Finds every @EventConsumer provider at boot (refusing to start on a consumer without a
 * handler or a duplicate name), and runs one ConsumerLoop per consumer.
 */
@Injectable()
export class EventConsumersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EventConsumersService.name);
  private readonly loops = new Map<string, ConsumerLoop>();
  private started = false;
  private readonly wakeAll = () => this.loops.forEach((loop) => loop.wake());

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly log: EventLogRepository,
    private readonly state: ConsumerStateRepository,
    private readonly listener: PgListener,
    private readonly metrics: ConsumerMetrics,
    private readonly identity: EventLogIdentity,
    private readonly ticks: SchedulerRegistry,
    @Inject(eventsConfig.KEY) private readonly config: ConfigType<typeof eventsConfig>,
  ) {}

  /** Registers a consumer without the decorator (e.g. created at runtime, or in tests). */
  async registerConsumer(options: EventConsumerOptions, handler: EventHandler): Promise<void> {
    if (!NAME_PATTERN.test(options.name))
      throw new Error(`consumer name "${options.name}" must match ${NAME_PATTERN}`);
    if (typeof handler?.handle !== 'function')
      throw new Error(`consumer "${options.name}" has no handle(events, manager) method`);
    if (this.loops.has(options.name)) throw new Error(`two consumers are named "${options.name}"`);
    for (const t of options.types ?? [])
      if (!EVENT_TYPE_FILTER_PATTERN.test(t))
        throw new Error(`consumer "${options.name}" has an invalid type filter "${t}"`);
    const full = {
      batchSize: this.config.batchSize,
      startFrom: 'beginning' as const,
      types: [],
      ignoreOrigins: [],
      ...options,
    };
    const loop = new ConsumerLoop(
      full,
      handler,
      this.dataSource,
      this.log,
      this.state,
      this.config,
      this.ticks,
      this.metrics,
      this.identity,
    );
    this.loops.set(options.name, loop);
    if (this.started) await this.start(loop);
  }

  isRegistered(name: string): boolean {
    return this.loops.has(name);
  }

  async onApplicationBootstrap(): Promise<void> {
    // Before any cursor is read or created: a restored copy's positions are re-stamped first.
    await this.identity.verify();
    for (const wrapper of this.discovery.getProviders()) {
      const type = wrapper.metatype;
      if (!type || !wrapper.instance) continue;
      const options = this.reflector.get<EventConsumerOptions | undefined>(
        EVENT_CONSUMER_KEY,
        type,
      );
      if (options) await this.registerConsumer(options, wrapper.instance as EventHandler);
    }
    this.started = true;
    await this.listener.listen(EVENTS_CHANNEL, this.wakeAll);
    for (const loop of this.loops.values()) await this.start(loop);
    if (this.loops.size) this.logger.log(`consumers running: ${[...this.loops.keys()].join(', ')}`);
  }

  private async start(loop: ConsumerLoop): Promise<void> {
    await this.state.ensure(this.dataSource.manager, loop.options.name, loop.options.startFrom);
    loop.wake(); // catch up on whatever was published while no instance ran this consumer
  }

  @OnEvent(EVENTS_APPENDED)
  onAppended(): void {
    this.wakeAll();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.listener.unlisten(EVENTS_CHANNEL, this.wakeAll);
    await Promise.all([...this.loops.values()].map((loop) => loop.stop()));
  }
}
