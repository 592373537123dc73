import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LogRuleEntity } from './log-rule.entity.js';

export type StoredRule = LogRuleEntity;

/** Reads and the version row every rule change bumps (see RuleCatalog). */
@Injectable()
export class LogRuleRepository {
  async version(manager: EntityManager): Promise<string> {
    // Raw: a one-row counter read on every ingest request (the hot path), bigint as text.
    const [row]: { version: string }[] = await manager.query(
      `SELECT version::text AS version FROM log_scan_rules_version WHERE id = 1`,
    );
    return row.version;
  }

  /** Called in the transaction of every rule change. */
  async bump(manager: EntityManager): Promise<void> {
    // Raw: an atomic counter increment (version = version + 1) on a one-row table.
    await manager.query(`UPDATE log_scan_rules_version SET version = version + 1 WHERE id = 1`);
  }

  all(manager: EntityManager): Promise<StoredRule[]> {
    return manager.getRepository(LogRuleEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }
}
