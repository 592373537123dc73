import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { TriggerRepository } from '../trigger.repository.js';
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

  constructor(private readonly repo: TriggerRepository) {}

  async current(m: EntityManager): Promise<TriggerSet> {
    const version = await this.repo.version(m);
    if (version !== this.version) {
      this.set = new TriggerSet(await this.repo.listAll(m));
      this.version = version;
    }
    return this.set;
  }
}
