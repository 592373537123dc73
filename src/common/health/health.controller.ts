import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../auth/audience.decorator.js';
import { ProblemDto } from '../http/problem.js';

class HealthDto {
  @ApiProperty({ example: 'ok' }) status: string;
  @ApiProperty({ required: false, type: Object }) info?: Record<string, unknown>;
}

@ApiTags('Operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Liveness: the process answers. Deliberately does not touch the database. */
  @Get()
  @ApiOkResponse({ type: HealthDto })
  live(): HealthDto {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and every migration in this build is applied. */
  @Get('ready')
  @HealthCheck()
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: ProblemDto })
  async ready() {
    try {
      return await this.health.check([
        async () => {
          const indicator = this.indicators.check('database');
          const started = Date.now();
          try {
            await withTimeout(this.dataSource.query('SELECT 1'), 2000);
            return indicator.up({ responseTimeMs: Date.now() - started });
          } catch (err) {
            return indicator.down({ error: (err as Error).message });
          }
        },
        async () => {
          const indicator = this.indicators.check('migrations');
          const pending = await this.dataSource.showMigrations();
          return pending ? indicator.down({ pending: true }) : indicator.up();
        },
      ]);
    } catch (err) {
      if (err instanceof ServiceUnavailableException) throw err;
      throw new ServiceUnavailableException({ message: 'not ready' });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
