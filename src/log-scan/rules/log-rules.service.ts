import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { parseDuration } from '../../config/duration.js';
import { pageByCreation } from '../../common/http/pagination.js';
import { NOT_NULL } from '../../common/http/validation.js';
import { compileLinearRegex } from '../../common/regex/linear-regex.js';
import { LogScanException } from '../log-scan.exception.js';
import { effectiveRules } from '../scan/effective-rules.js';
import { CreateLogRuleDto } from './dto/create-log-rule.dto.js';
import { EffectiveRulesDto, LogRuleDto, LogRulePageDto } from './dto/log-rule.dto.js';
import {
  ListLogRulesQueryDto,
  TestLogRuleDto,
  TestLogRuleResultDto,
} from './dto/log-rule-requests.dto.js';
import { UpdateLogRuleDto } from './dto/update-log-rule.dto.js';
import { LogRuleEntity } from './log-rule.entity.js';
import { LogRuleRepository } from './log-rule.repository.js';

/** Rules CRUD. Every change bumps the version row in its transaction (see RuleCatalog). */
@Injectable()
export class LogRulesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(LogRuleEntity) private readonly repo: Repository<LogRuleEntity>,
    private readonly rules: LogRuleRepository,
  ) {}

  async create(dto: CreateLogRuleDto): Promise<LogRuleDto> {
    const scope = dto.scope ?? (dto.source !== undefined ? 'source' : 'global');
    if (scope === 'global' && dto.source !== undefined)
      throw LogScanException.invalid('source', 'not allowed on a global rule (scope global)');
    if (scope === 'global' && dto.overrides !== undefined)
      throw LogScanException.invalid('overrides', 'only a source rule can override a global rule');
    const source = scope === 'source' ? dto.source! : null;
    const conflict = (constraint?: string) =>
      constraint === 'log_scan_rules_override_uq'
        ? LogScanException.overrideTaken(source!, dto.overrides!)
        : LogScanException.nameTaken(dto.name, source);
    return this.write(conflict, async (m) => {
      if (dto.overrides !== undefined) await this.lockGlobal(m, dto.overrides);
      const repo = m.getRepository(LogRuleEntity);
      return repo.save(
        repo.create({
          name: dto.name,
          description: dto.description ?? '',
          pattern: dto.pattern,
          stream: dto.stream ?? null,
          severity: dto.severity ?? 'warning',
          eventType: dto.eventType ?? 'log.match',
          cooldownMs: parseDuration(dto.cooldown ?? '0')!,
          source,
          overrides: dto.overrides ?? null,
          enabled: dto.enabled ?? true,
        }),
      );
    });
  }

  list(q: ListLogRulesQueryDto): Promise<LogRulePageDto> {
    const qb = this.repo.createQueryBuilder('r');
    if (q.scope === 'global') qb.andWhere('r.source IS NULL');
    if (q.scope === 'source') qb.andWhere('r.source IS NOT NULL');
    if (q.source !== undefined) qb.andWhere('r.source = :source', { source: q.source });
    return pageByCreation(qb, 'log_scan_rules', q, LogRuleDto.from);
  }

  async get(id: string): Promise<LogRuleDto> {
    const rule = await this.repo.findOneBy({ id });
    if (!rule) throw LogScanException.ruleNotFound(id);
    return LogRuleDto.from(rule);
  }

  async update(id: string, dto: UpdateLogRuleDto): Promise<LogRuleDto> {
    // @IsOptional lets null through; only `stream` may be cleared with it.
    for (const [field, value] of Object.entries(dto))
      if (value === null && field !== 'stream') throw LogScanException.invalid(field, NOT_NULL);
    let source: string | null = null;
    return this.write(
      () => LogScanException.nameTaken(dto.name ?? '', source),
      async (m) => {
        const repo = m.getRepository(LogRuleEntity);
        const rule = await repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
        if (!rule) throw LogScanException.ruleNotFound(id);
        source = rule.source;
        const { cooldown, ...fields } = dto;
        Object.assign(rule, fields);
        if (cooldown !== undefined) rule.cooldownMs = parseDuration(cooldown)!;
        return repo.save(rule);
      },
    );
  }

  /** A global rule's overrides (and every cooldown of the rule) go with it, atomically. */
  async remove(id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const { affected } = await m.getRepository(LogRuleEntity).delete({ id });
      if (!affected) throw LogScanException.ruleNotFound(id);
      await this.rules.bump(m);
    });
  }

  async effective(source: string): Promise<EffectiveRulesDto> {
    const all = await this.rules.all(this.dataSource.manager);
    const byId = new Map(all.map((r) => [r.id, r]));
    return {
      source,
      rules: effectiveRules(all, source).map(LogRuleDto.from),
      overridden: all
        .filter((r) => r.source === source && r.overrides !== null && byId.has(r.overrides))
        .map((r) => ({
          ruleId: r.overrides!,
          name: byId.get(r.overrides!)!.name,
          by: r.id,
          replaced: r.enabled,
        })),
    };
  }

  test(dto: TestLogRuleDto): TestLogRuleResultDto {
    const found = compileLinearRegex(dto.pattern).exec(dto.sampleLine);
    return {
      matched: found !== null,
      captures: found?.captures ?? {},
      match: found?.match ?? null,
    };
  }

  private async lockGlobal(m: EntityManager, id: string): Promise<void> {
    // FOR SHARE: the global rule cannot be deleted before this override commits.
    const target = await m.getRepository(LogRuleEntity).findOne({
      select: { id: true, source: true },
      where: { id },
      lock: { mode: 'pessimistic_read' },
    });
    if (!target) throw LogScanException.invalid('overrides', `no rule with id ${id}`);
    if (target.source !== null)
      throw LogScanException.invalid(
        'overrides',
        `rule ${id} belongs to source "${target.source}"; only global rules can be overridden`,
      );
  }

  /** Runs a rule write with the version bump; unique violations become 409s. */
  private async write(
    conflict: (constraint?: string) => LogScanException,
    work: (m: EntityManager) => Promise<LogRuleEntity>,
  ): Promise<LogRuleDto> {
    try {
      const saved = await this.dataSource.transaction(async (m) => {
        const rule = await work(m);
        await this.rules.bump(m);
        return rule;
      });
      return LogRuleDto.from(saved);
    } catch (error) {
      const driver = (
        error as QueryFailedError & { driverError?: { code?: string; constraint?: string } }
      ).driverError;
      if (error instanceof QueryFailedError && driver?.code === '23505')
        throw conflict(driver.constraint);
      throw error;
    }
  }
}
