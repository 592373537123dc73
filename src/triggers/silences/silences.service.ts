import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
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
import { SilenceEntity } from './silence.entity.js';

/** Silences: while one is in effect, matches it covers are recorded as silenced, not fired. */
@Injectable()
export class SilencesService {
  constructor(
    @InjectRepository(SilenceEntity) private readonly silences: Repository<SilenceEntity>,
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
    const row = await this.silences.save(
      this.silences.create({
        matchers: dto.matchers,
        startsAt,
        endsAt,
        createdBy: dto.createdBy,
        comment: dto.comment ?? '',
      }),
    );
    return toDto(row);
  }

  async list(q: ListSilencesQueryDto): Promise<SilencePageDto> {
    const limit = q.limit ?? 100;
    const before = q.cursor
      ? decodeCursor<{ at: string; id: string }>(q.cursor, { at: 'timestamp', id: 'uuid' })
      : undefined;
    // Newest first, keyset paged by (created_at, id).
    const qb = this.silences.createQueryBuilder('s');
    if (q.state === 'active') qb.andWhere('s.starts_at <= now() AND s.ends_at > now()');
    if (q.state === 'pending') qb.andWhere('s.starts_at > now()');
    if (q.state === 'expired') qb.andWhere('s.ends_at <= now()');
    if (before)
      qb.andWhere(
        `(s.created_at, s.id) < (COALESCE((SELECT c.created_at FROM event_trigger_silences c
           WHERE c.id = :id::uuid), :at::timestamptz), :id::uuid)`,
        before,
      );
    const rows = await qb
      .orderBy('s.created_at', 'DESC')
      .addOrderBy('s.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    return paginate(
      rows,
      limit,
      (last) => ({ at: new Date(last.createdAt).toISOString(), id: last.id }),
      toDto,
    );
  }

  async get(id: string): Promise<SilenceDto> {
    const row = await this.silences.findOneBy({ id });
    if (!row) throw TriggersException.silenceNotFound(id);
    return toDto(row);
  }

  async remove(id: string): Promise<void> {
    const { affected } = await this.silences.delete({ id });
    if (!affected) throw TriggersException.silenceNotFound(id);
  }
}

function toDto(r: SilenceEntity): SilenceDto {
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
