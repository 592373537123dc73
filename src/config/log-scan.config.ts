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

  /**
   * Scanning time one POST /logs may use (milliseconds, waits for the event loop not
   * counted); the lines left when it runs out are not scanned, and are reported.
   */
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(60_000)
  LOGSCAN_SCAN_BUDGET_MS: number = 2_000;
}

export interface LogScanConfig {
  sourceRatePerSecond: number;
  sourceBurst: number;
  scanBudgetMs: number;
}

export const logScanConfig = registerAs('logScan', (): LogScanConfig => {
  const env = validateEnv(LogScanEnv, process.env);
  return {
    sourceRatePerSecond: env.LOGSCAN_SOURCE_RATE,
    sourceBurst: env.LOGSCAN_SOURCE_BURST,
    scanBudgetMs: env.LOGSCAN_SCAN_BUDGET_MS,
  };
});
