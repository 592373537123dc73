import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DiscoveryService } from '@nestjs/core';
import {
  ApiExtension,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../../config/index.js';
import { DatabaseLiveness } from '../../database/database-liveness.js';
import { Public } from '../auth/audience.decorator.js';
import { WITHOUT_DATABASE } from '../http/common-responses.js';
import { ProblemDto } from '../http/problem.js';
import { registered } from '../registered.js';
import { ReadinessDetail } from './readiness-detail.js';

class HealthDto {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiProperty({
    example: { database: { status: 'up', responseTimeMs: 2 }, migrations: { status: 'up' } },
    required: false,
    type: Object,
  })
  info?: Record<string, unknown>;
}

@ApiTags('Operations')
@Public()
@Controller('health')
export class HealthController {
  private readonly timeoutMs: number;
  private details: ReadinessDetail[] | undefined;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly liveness: DatabaseLiveness,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly discovery: DiscoveryService,
    config: ConfigService,
  ) {
    this.timeoutMs = config.getOrThrow<DatabaseConfig>('database').healthTimeoutMs;
  }

  /** Liveness: the process answers. Deliberately does not touch the database. */
  @Get()
  @ApiExtension(WITHOUT_DATABASE, true)
  @ApiOperation({
    summary: 'Liveness: the process answers (does not touch the database)',
    description: 'For a liveness probe: a failing answer means restart the process.',
  })
  @ApiOkResponse({ type: HealthDto, description: 'The process is alive' })
  live(): HealthDto {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database answers and every migration in this build is applied. Answers
   * within DB_HEALTH_TIMEOUT_MS: at once while the liveness probe is failing, otherwise both
   * checks share one deadline (a frozen server must not hold a load balancer's probe).
   * Failing: 503 problem+json with the checks under `details`.
   */
  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the database answers and every migration is applied',
    description:
      'For a load balancer: send traffic only while this answers 200. Answers within ' +
      'DB_HEALTH_TIMEOUT_MS.',
  })
  @HealthCheck()
  @ApiOkResponse({ type: HealthDto, description: 'Ready: each check under `info`' })
  @ApiServiceUnavailableResponse({
    type: ProblemDto,
    description: 'Not ready: the failing checks under `details`',
  })
  async ready() {
    const deadline = Date.now() + this.timeoutMs;
    const probe = this.liveness.current;
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('database');
        if (!probe.up) return indicator.down({ error: probe.reason, since: new Date(probe.since) });
        const started = Date.now();
        try {
          await withDeadline(this.dataSource.query('SELECT 1'), deadline);
          return indicator.up({ responseTimeMs: Date.now() - started });
        } catch (err) {
          return indicator.down({ error: (err as Error).message });
        }
      },
      async () => {
        const indicator = this.indicators.check('migrations');
        if (!probe.up) return indicator.down({ error: 'database unavailable' });
        try {
          const pending = await withDeadline(this.dataSource.showMigrations(), deadline);
          return pending ? indicator.down({ pending: true }) : indicator.up();
        } catch (err) {
          return indicator.down({ error: (err as Error).message });
        }
      },
      // Shown, never failed on (the secrets count of key rotation).
      ...(this.details ??= registered(this.discovery, ReadinessDetail)).map(
        (d) => () => this.indicators.check(d.name).up(d.details()),
      ),
    ]);
  }
}

/** Health checks only: the abandoned query still ends, by query_timeout or the liveness probe. */
function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T> {
  const ms = Math.max(0, deadline - Date.now());
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
