import { registerAs } from '@nestjs/config';
import { IsInt, Max, Min } from 'class-validator';
import { ToInt, validateEnv } from './validate-env.js';

export class LogScanEnv {
  /** Rule hits per second each log source may turn into events (the bucket's refill rate). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  LOGSCAN_SOURCE_RATE: number = 20;

  /** Hits a source may publish at once after a quiet spell (the bucket's size). */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  LOGSCAN_SOURCE_BURST: number = 200;
}

export interface LogScanConfig {
  sourceRatePerSecond: number;
  sourceBurst: number;
}

export const logScanConfig = registerAs('logScan', (): LogScanConfig => {
  const env = validateEnv(LogScanEnv, process.env);
  return { sourceRatePerSecond: env.LOGSCAN_SOURCE_RATE, sourceBurst: env.LOGSCAN_SOURCE_BURST };
});
