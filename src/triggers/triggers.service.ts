import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { decodeCursor, paginate } from '../common/http/pagination.js';
import { ValidationFailedException } from '../common/http/validation.js';
import { Checked, DeliveryService } from '../webhooks/index.js';
import {
  CreateTriggerDto,
  ListTriggersQueryDto,
  UpdateTriggerDto,
} from './dto/trigger-requests.dto.js';
import { TriggerDto, TriggerPageDto, TriggerSecretDto } from './dto/trigger.dto.js';
import { formatRepeatInterval, repeatIntervalMs } from './matching/duration-text.js';
import { filterProblems } from './matching/trigger-filter.js';
import { PlainAction, TriggerActionSecrets } from './trigger-action.js';
import { TriggerRepository, TriggerRow, TriggerWrite } from './trigger.repository.js';
import { TriggersException } from './triggers.exception.js';

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
    private readonly repo: TriggerRepository,
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
        filter: { ...dto.filter },
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
      filter: dto.filter ? { ...dto.filter } : current.filter,
      repeatIntervalMs:
        dto.repeatInterval !== undefined
          ? repeatIntervalMs(dto.repeatInterval)
          : current.repeatIntervalMs,
      groupBy: dto.groupBy ?? current.groupBy,
    };
    assertFilter(next);
    const stored = {
      url: current.actionUrl,
      secretSealed: current.secretSealed,
      headers: current.headers,
    };
    const action = dto.action
      ? await this.secrets.resolve(dto.action, stored)
      : await this.secrets.recheck(stored);
    return this.toDto(await this.save(next, action, 'update'));
  }

  async get(id: string): Promise<TriggerDto> {
    return this.toDto(await this.find(id));
  }

  async list(q: ListTriggersQueryDto): Promise<TriggerPageDto> {
    const limit = q.limit ?? 100;
    const after = q.cursor
      ? decodeCursor<{ at: string; id: string }>(q.cursor, { at: 'timestamp', id: 'uuid' })
      : undefined;
    const rows = await this.repo.list(this.dataSource.manager, {
      enabled: q.enabled,
      namePrefix: q.namePrefix,
      after,
      limit: limit + 1,
    });
    return paginate(
      rows,
      limit,
      (last) => ({ at: new Date(last.createdAt).toISOString(), id: last.id }),
      (r) => this.toDto(r),
    );
  }

  async remove(id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      if (!(await this.repo.remove(m, id))) throw TriggersException.notFound(id);
      await this.deliveries.removeTarget(TRIGGERS_OWNER, id, m);
    });
  }

  async secret(id: string): Promise<TriggerSecretDto> {
    const row = await this.find(id);
    return { secret: this.secrets.secretOf(sealedOf(row)) };
  }

  async find(id: string): Promise<TriggerRow> {
    const row = await this.repo.find(this.dataSource.manager, id);
    if (!row) throw TriggersException.notFound(id);
    return row;
  }

  /**
   * The row and its delivery target together, or neither (a taken name is a 409). The action
   * was checked (DNS) before: the transaction only writes rows.
   */
  private async save(
    t: Omit<TriggerWrite, 'actionUrl' | 'secretSealed' | 'headers' | 'targetId'>,
    action: Checked<PlainAction>,
    mode: 'insert' | 'update',
  ): Promise<TriggerRow> {
    const sealed = this.secrets.seal(action);
    try {
      return await this.dataSource.transaction(async (m) => {
        const target = await this.deliveries.saveTarget(TRIGGERS_OWNER, t.id, action, m);
        const write: TriggerWrite = {
          ...t,
          actionUrl: sealed.url,
          secretSealed: sealed.secretSealed,
          headers: sealed.headers,
          targetId: target.id,
        };
        const row =
          mode === 'insert' ? await this.repo.insert(m, write) : await this.repo.update(m, write);
        if (!row) throw TriggersException.notFound(t.id);
        return row;
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw TriggersException.nameTaken(t.name);
      throw err;
    }
  }

  private toDto(r: TriggerRow): TriggerDto {
    return {
      id: r.id,
      name: r.name,
      description: r.description,
      enabled: r.enabled,
      matchers: r.matchers,
      filter: r.filter,
      action: this.secrets.display(sealedOf(r)),
      repeatInterval: formatRepeatInterval(r.repeatIntervalMs),
      groupBy: r.groupBy,
      createdAt: new Date(r.createdAt).toISOString(),
      updatedAt: new Date(r.updatedAt).toISOString(),
    };
  }
}

function sealedOf(r: TriggerRow) {
  return { url: r.actionUrl, secretSealed: r.secretSealed, headers: r.headers };
}

function assertFilter(t: { matchers?: TriggerRow['matchers']; filter?: TriggerRow['filter'] }) {
  const errors = filterProblems({ matchers: t.matchers ?? [], filter: t.filter ?? {} });
  if (errors.length > 0) throw new ValidationFailedException(errors);
}
