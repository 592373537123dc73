import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TriggerEntity } from '../trigger.entity.js';
import { TriggerSet } from './trigger-set.js';

/**
 * The compiled trigger set, rebuilt only when the configuration changed (one cheap version
 * query per batch, read in the batch's own transaction): edits apply from the next event on,
 * on every instance, without compiling a thousand filters per batch.
 */
@Injectable()
export class TriggerCatalog {
  private version: string | null = null;
  private set: TriggerSet = new TriggerSet([]);

  async current(m: EntityManager): Promise<TriggerSet> {
    const version = await versionOf(m);
    if (version !== this.version) {
      // Every trigger, disabled ones too (their targets' events are still trigger-caused).
      this.set = new TriggerSet(
        await m.getRepository(TriggerEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } }),
      );
      this.version = version;
    }
    return this.set;
  }
}

/** Changes whenever a trigger is created, changed or deleted: the matcher's cache key. */
async function versionOf(m: EntityManager): Promise<string> {
  // Raw: one aggregate on every bus batch (the matching hot path), no entity to map.
  const [row]: { v: string }[] = await m.query(
    `SELECT count(*)::text || '/' || COALESCE(max(updated_at)::text, '') AS v FROM event_triggers`,
  );
  return row.v;
}
