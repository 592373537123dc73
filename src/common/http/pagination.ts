import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, isISO8601, IsOptional, IsString, Max, Min } from 'class-validator';
import type { SelectQueryBuilder } from 'typeorm';
import { AppException } from './app.exception.js';
import { isInt64Id, isStorableInstant } from './ids-and-times.js';
import { textProblem } from './storable-text.js';

/** The `nextCursor` of a keyset page answer: null on the last page. */
export const NextCursorProperty = () =>
  ApiPropertyOptional({
    example: encodeCursor({
      at: '2026-12-01T09:30:00.000Z',
      id: '0b8e4f5e-6c1d-4a3b-9f1e-2d7c8a9b0c1d',
    }),
    nullable: true,
    type: String,
    description: 'Pass as `cursor` for the next page; null on the last page',
  });

export class PageQueryDto {
  @ApiPropertyOptional({
    description: 'Page size: 1 to 500 (default 100)',
    minimum: 1,
    maximum: 500,
    default: 100,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({
    description: 'Opaque cursor from a previous page (`nextCursor`)',
  })
  @IsOptional()
  @IsString()
  cursor?: string;
}

/**
 * What a cursor field must hold. A cursor is client input like any other: a forged one
 * (`{"v":1,"before":"abc"}`) must be a 400 here, not a database cast error.
 */
export type CursorField = 'int64' | 'timestamp' | 'uuid' | 'text';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FIELD_CHECKS: Record<CursorField, (value: string) => boolean> = {
  int64: isInt64Id,
  timestamp: (v) => isISO8601(v, { strict: true }) && isStorableInstant(Date.parse(v)),
  uuid: (v) => UUID.test(v),
  text: (v) => v.length <= 1000 && textProblem(v) === undefined,
};

/**
 * One keyset page from `limit + 1` rows (the extra row only tells that a next page exists):
 * the first `limit` rows mapped, and the cursor of the last one when there is more.
 */
export function paginate<Row, Out>(
  rows: Row[],
  limit: number,
  cursorOf: (last: Row) => Record<string, string | number>,
  map: (row: Row) => Out,
): { data: Out[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return {
    data: page.map(map),
    nextCursor: rows.length > limit ? encodeCursor(cursorOf(page[page.length - 1])) : null,
  };
}

/** Opaque keyset cursors: base64url JSON, versioned so a future shape change is a clear 400. */
export function encodeCursor(value: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify({ v: 1, ...value })).toString('base64url');
}

/** The cursor's fields, each as a string of its kind, or a 400 `invalid-cursor`. */
export function decodeCursor<T extends Record<string, string>>(
  cursor: string,
  fields: Record<keyof T, CursorField>,
): T {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    if (typeof parsed === 'object' && parsed !== null && parsed.v === 1) {
      const out: Record<string, string> = {};
      for (const [key, kind] of Object.entries(fields) as [string, CursorField][]) {
        const raw = parsed[key];
        const value = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
        if (typeof value !== 'string' || !FIELD_CHECKS[kind](value)) throw new Error(key);
        out[key] = value;
      }
      return out as T;
    }
  } catch {
    // fall through to the error below
  }
  throw new AppException('invalid-cursor', 400, 'cursor is not a cursor this server issued', {
    errors: [{ field: 'cursor', message: 'is malformed or from an incompatible server version' }],
  });
}

/**
 * One page of rows in creation order, keyset-paged on (created_at, id), for a query builder
 * whose filters are already applied. `table` is the alias's table, so the cursor row's own
 * created_at (microseconds; the cursor's copy has milliseconds) decides where the page starts.
 */
export async function pageByCreation<Row extends { createdAt: Date; id: string }, Out>(
  qb: SelectQueryBuilder<Row>,
  table: string,
  q: PageQueryDto,
  map: (row: Row) => Out,
): Promise<{ data: Out[]; nextCursor: string | null }> {
  const limit = q.limit ?? 100;
  const alias = qb.alias;
  if (q.cursor) {
    const after = decodeCursor<{ at: string; id: string }>(q.cursor, {
      at: 'timestamp',
      id: 'uuid',
    });
    qb.andWhere(
      `(${alias}.created_at, ${alias}.id) > (COALESCE((SELECT c.created_at FROM ${table} c WHERE c.id = :id::uuid), :at::timestamptz), :id::uuid)`,
      { at: after.at, id: after.id },
    );
  }
  const rows = await qb
    .orderBy(`${alias}.created_at`, 'ASC')
    .addOrderBy(`${alias}.id`, 'ASC')
    .limit(limit + 1)
    .getMany();
  return paginate(rows, limit, (last) => ({ at: last.createdAt.toISOString(), id: last.id }), map);
}
