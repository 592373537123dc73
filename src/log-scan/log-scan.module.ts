import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { textBody } from '../common/http/body-routes.js';
import { LogScanActivityService } from './activity/log-scan-activity.service.js';
import { LogScanMetrics } from './log-scan-metrics.js';
import { LogIngestService } from './ingest/log-ingest.service.js';
import { LogScanStateRepository } from './ingest/log-scan-state.repository.js';
import { LogsController } from './ingest/logs.controller.js';
import { LogRuleEntity } from './rules/log-rule.entity.js';
import { LogRuleRepository } from './rules/log-rule.repository.js';
import { LogRulesController } from './rules/log-rules.controller.js';
import { LogRulesService } from './rules/log-rules.service.js';
import { RuleCatalog } from './scan/rule-catalog.js';
import { LogStatsRepository } from './stats/log-stats.repository.js';
import { LogStatsService } from './stats/log-stats.service.js';

/**
 * Log-scan rules: log lines in over HTTP, rule hits out as events on the bus. Other modules
 * see its work as events (`log.match` by default); it exports only LogScanActivityService,
 * read-only figures for the operator console.
 */
@Module({
  imports: [TypeOrmModule.forFeature([LogRuleEntity])],
  controllers: [LogRulesController, LogsController],
  providers: [
    LogRuleRepository,
    LogRulesService,
    RuleCatalog,
    LogIngestService,
    LogScanStateRepository,
    LogStatsRepository,
    LogStatsService,
    LogScanMetrics,
    LogScanActivityService,
    // Shippers (Vector, Fluent Bit) send newline-delimited JSON; the route parses it itself.
    textBody({
      method: 'POST',
      path: /^\/logs\/?$/,
      type: /^application\/(x-)?ndjson\s*(;|$)/i,
      limit: '1mb',
    }),
  ],
  exports: [LogScanActivityService],
})
export class LogScanModule {}
