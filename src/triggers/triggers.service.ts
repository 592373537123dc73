import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { pageByCreation } from '../common/http/pagination.js';
import { ValidationFailedException } from '../common/http/validation.js';
import { Checked, DeliveryService } from '../webhooks/index.js';
import {
  CreateTriggerDto,
  ListTriggersQueryDto,
  UpdateTriggerDto,
} from './dto/trigger-requests.dto.js';
import { TriggerDto, TriggerPageDto, TriggerSecretDto } from './dto/trigger.dto.js';
import { formatRepeatInterval, repeatIntervalMs } from './matching/duration-text.js';
import { DEFAULT_PAYLOAD_FORMAT } from './firing/trigger-payload.js';
import { filterProblems, withoutBlanks } from './matching/trigger-filter.js';
import { PlainAction, SealedAction, TriggerActionSecrets } from './trigger-action.js';
import { TriggerEntity } from './trigger.entity.js';
import { TriggersException } from './triggers.exception.js';

/** A trigger as written: every column but the two the database stamps. */
export type TriggerWrite = Omit<TriggerEntity, 'createdAt' | 'updatedAt'>;

/** The owner name of triggers' delivery targets (and the origin of their deliveries). */
export const TRIGGERS_OWNER = 'event-triggers';

/**
 * Trigger CRUD: validated, the action's URL checked before the transaction, its target saved
 * in the same transaction as the row.
 */
@Injectable()
export class TriggersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRepository(TriggerEntity) private readonly triggers: Repository<TriggerEntity>,
    private readonly secrets: TriggerActionSecrets,
    private readonly deliveries: DeliveryService,
  ) {}

  async create(dto: CreateTriggerDto): Promise<TriggerDto> {
    assertFilter(dto);
    const action = await this.secrets.resolve(dto.action);
    const id = randomUUID();
    const row = await this.save(
      {
        id,
        name: dto.name,
        description: dto.description ?? '',
        enabled: dto.enabled ?? true,
        matchers: dto.matchers ?? [],
        filter: withoutBlanks({ ...dto.filter }),
        payloadFormat: dto.payloadFormat ?? DEFAULT_PAYLOAD_FORMAT,
        repeatIntervalMs: repeatIntervalMs(dto.repeatInterval),
        groupBy: dto.groupBy ?? [],
      },
      action,
      'insert',
    );
    return this.toDto(row);
  }

  async update(id: string, dto: UpdateTriggerDto): Promise<TriggerDto> {
    const current = await this.find(id);
    const next = {
      id,
      name: dto.name ?? current.name,
      description: dto.description ?? current.description,
      enabled: dto.enabled ?? current.enabled,
      matchers: dto.matchers ?? current.matchers,
      filter: dto.filter ? withoutBlanks({ ...dto.filter }) : current.filter,
      payloadFormat: dto.payloadFormat ?? current.payloadFormat,
      repeatIntervalMs:
        dto.repeatInterval !== undefined
          ? repeatIntervalMs(dto.repeatInterval)
          : current.repeatIntervalMs,
      groupBy: dto.groupBy ?? current.groupBy,
    };
    assertFilter(next);
    const stored = sealedOf(current);
    const action = dto.action
      ? await this.secrets.resolve(dto.action, stored)
      : await this.secrets.recheck(stored);
    return this.toDto(await this.save(next, action, 'update'));
  }

  async get(id: string): Promise<TriggerDto> {
    return this.toDto(await this.find(id));
  }

  list(q: ListTriggersQueryDto): Promise<TriggerPageDto> {
    const qb = this.triggers.createQueryBuilder('t');
    if (q.enabled !== undefined) qb.andWhere('t.enabled = :enabled', { enabled: q.enabled });
    if (q.namePrefix !== undefined)
      qb.andWhere('starts_with(t.name, :prefix)', { prefix: q.namePrefix });
    return pageByCreation(qb, 'event_triggers', q, (r) => this.toDto(r));
  }

  async remove(id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const { affected } = await m.getRepository(TriggerEntity).delete({ id });
      if (!affected) throw TriggersException.notFound(id);
      await this.deliveries.removeTarget(TRIGGERS_OWNER, id, m);
    });
  }

  async secret(id: string): Promise<TriggerSecretDto> {
    const row = await this.find(id);
    return { secret: this.secrets.secretOf(sealedOf(row)) };
  }

  async find(id: string): Promise<TriggerEntity> {
    const row = await this.triggers.findOneBy({ id });
    if (!row) throw TriggersException.notFound(id);
    return row;
  }

  /**
   * The row and its delivery target together, or neither (a taken name is a 409). The action
   * was checked (DNS) before: the transaction only writes rows.
   */
  private async save(
    t: Omit<TriggerWrite, 'actionUrl' | 'secretSealed' | 'headers' | 'signature' | 'targetId'>,
    action: Checked<PlainAction>,
    mode: 'insert' | 'update',
  ): Promise<TriggerEntity> {
    const sealed = this.secrets.seal(action);
    try {
      return await this.dataSource.transaction(async (m) => {
        const target = await this.deliveries.saveTarget(TRIGGERS_OWNER, t.id, action, m);
        const write: TriggerWrite = {
          ...t,
          actionUrl: sealed.url,
          secretSealed: sealed.secretSealed,
          headers: sealed.headers,
          signature: sealed.signature,
          targetId: target.id,
        };
        const repo = m.getRepository(TriggerEntity);
        if (mode === 'insert') {
          const row = repo.create(write);
          await repo.insert(row); // created_at and updated_at come back into `row`
          return row;
        }
        // updated_at from the statement's clock, as the catalog's version reads max(updated_at).
        const { id, ...fields } = write;
        const { affected } = await repo.update({ id }, { ...fields, updatedAt: stampNow });
        if (!affected) throw TriggersException.notFound(id);
        return repo.findOneByOrFail({ id });
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw TriggersException.nameTaken(t.name);
      throw err;
    }
  }

  private toDto(r: TriggerEntity): TriggerDto {
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      enabled: r.enabled,
      matchers: r.matchers,
      filter: r.filter,
      action: this.secrets.display(sealedOf(r)),
      payloadFormat: r.payloadFormat,
      repeatInterval: formatRepeatInterval(r.repeatIntervalMs),
      groupBy: r.groupBy,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
    };
  }
}

/** `updated_at = clock_timestamp()`, as an expression TypeORM writes into the UPDATE. */
const stampNow = (): string => 'clock_timestamp()';

export function sealedOf(r: TriggerEntity): SealedAction {
  return {
    url: r.actionUrl,
    secretSealed: r.secretSealed,
    headers: r.headers,
    signature: r.signature,
  };
}

function assertFilter(t: Partial<Pick<TriggerEntity, 'matchers' | 'filter'>>) {
  const errors = filterProblems({ matchers: t.matchers ?? [], filter: t.filter ?? {} });
  if (errors.length > 0) throw new ValidationFailedException(errors);
}
