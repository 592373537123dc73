import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, paginate } from '../../common/http/pagination.js';
import { ValidationFailedException } from '../../common/http/validation.js';
import { filterProblems } from '../matching/trigger-filter.js';
import { TriggersException } from '../triggers.exception.js';
import {
  CreateSilenceDto,
  ListSilencesQueryDto,
  SilenceDto,
  SilencePageDto,
} from './silence.dto.js';
import { SilenceRepository, SilenceRow } from './silence.repository.js';

/** Silences: while one is in effect, matches it covers are recorded as silenced, not fired. */
@Injectable()
export class SilencesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: SilenceRepository,
  ) {}

  async create(dto: CreateSilenceDto): Promise<SilenceDto> {
    // `trigger` matchers are checked like `type` ones (same operators, same regex rules).
    const errors = filterProblems({
      matchers: dto.matchers.map((m) => (m.label === 'trigger' ? { ...m, label: 'type' } : m)),
      filter: {},
    });
    const startsAt = dto.startsAt ? new Date(dto.startsAt) : new Date();
    const endsAt = new Date(dto.endsAt);
    if (endsAt <= startsAt) errors.push({ field: 'endsAt', message: 'must be after startsAt' });
    if (errors.length > 0) throw new ValidationFailedException(errors);
    const row = await this.repo.insert(this.dataSource.manager, {
      matchers: dto.matchers,
      startsAt,
      endsAt,
      createdBy: dto.createdBy,
      comment: dto.comment ?? '',
    });
    return toDto(row);
  }

  async list(q: ListSilencesQueryDto): Promise<SilencePageDto> {
    const limit = q.limit ?? 100;
    const before = q.cursor
      ? decodeCursor<{ at: string; id: string }>(q.cursor, { at: 'timestamp', id: 'uuid' })
      : undefined;
    const rows = await this.repo.list(this.dataSource.manager, {
      state: q.state,
      before,
      limit: limit + 1,
    });
    return paginate(
      rows,
      limit,
      (last) => ({ at: new Date(last.createdAt).toISOString(), id: last.id }),
      toDto,
    );
  }

  async get(id: string): Promise<SilenceDto> {
    const row = await this.repo.find(this.dataSource.manager, id);
    if (!row) throw TriggersException.silenceNotFound(id);
    return toDto(row);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.repo.remove(this.dataSource.manager, id)))
      throw TriggersException.silenceNotFound(id);
  }
}

function toDto(r: SilenceRow): SilenceDto {
  const now = Date.now();
  const startsAt = new Date(r.startsAt);
  const endsAt = new Date(r.endsAt);
  return {
    id: r.id,
    matchers: r.matchers,
    startsAt: startsAt.toISOString(),
    endsAt: endsAt.toISOString(),
    createdBy: r.createdBy,
    comment: r.comment,
    state: endsAt.getTime() <= now ? 'expired' : startsAt.getTime() > now ? 'pending' : 'active',
    createdAt: new Date(r.createdAt).toISOString(),
  };
}
