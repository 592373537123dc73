import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RuleCatalog } from '../scan/rule-catalog.js';
import type { HitCountsDto, LogStatsDto } from './dto/log-stats.dto.js';
import { LogStatsRepository } from './log-stats.repository.js';

const counts = (r: {
  hits: string;
  published: string;
  dropped_cooldown: string;
  dropped_rate_limit: string;
}): HitCountsDto => ({
  hits: Number(r.hits),
  published: Number(r.published),
  dropped: { cooldown: Number(r.dropped_cooldown), rateLimit: Number(r.dropped_rate_limit) },
});

@Injectable()
export class LogStatsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly stats: LogStatsRepository,
    private readonly catalog: RuleCatalog,
  ) {}

  async get(): Promise<LogStatsDto> {
    const m = this.dataSource.manager;
    const [totals, sources, rules, ruleSet] = await Promise.all([
      this.stats.totals(m),
      this.stats.sources(m),
      this.stats.rules(m),
      this.catalog.load(m),
    ]);
    return {
      linesIn: Number(totals.lines_in),
      linesTruncated: Number(totals.lines_truncated),
      ...counts(totals),
      sources: sources.map((s) => ({
        source: s.source,
        linesIn: Number(s.lines_in),
        linesTruncated: Number(s.lines_truncated),
        lastSeenAt: s.last_seen_at,
        ...counts(s),
      })),
      rules: rules.map((r) => ({
        ruleId: r.rule_id,
        name: r.name,
        deleted: r.deleted,
        lastHitAt: r.last_hit_at,
        ...counts(r),
      })),
      failingRules: ruleSet.failing,
    };
  }
}
