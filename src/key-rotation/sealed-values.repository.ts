import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { registered } from '../common/registered.js';
import { SealedColumns } from '../common/security/sealed-columns.js';
import { rawWrite } from '../database/raw-write.js';

export interface SealedRow {
  id: string;
  values: Record<string, unknown>;
}

const BATCH = 200;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Reads and rewrites the registered sealed columns in id order. Names come from the modules'
 * `sealedColumns()` registrations, never from input. A rewrite only lands when the row still holds what was read,
 * so a concurrent edit (a rotated webhook secret) is never overwritten with an older value.
 */
@Injectable()
export class SealedValuesRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly discovery: DiscoveryService,
  ) {}

  /** Every module's registered sealed columns. */
  get registered(): SealedColumns[] {
    return registered(this.discovery, SealedColumns);
  }

  async *rows(): AsyncGenerator<{ entry: SealedColumns; row: SealedRow }> {
    for (const entry of this.registered) {
      let after: string | null = null;
      for (;;) {
        const rows: Record<string, unknown>[] = await this.db.query(
          `SELECT ${ident(entry.idColumn)}::text AS id, ${entry.columns.map(ident).join(', ')}
             FROM ${ident(entry.table)}
            WHERE $1::text IS NULL OR ${ident(entry.idColumn)}::text > $1
            ORDER BY ${ident(entry.idColumn)}::text LIMIT ${BATCH}`,
          [after],
        );
        for (const r of rows)
          yield {
            entry,
            row: {
              id: r.id as string,
              values: Object.fromEntries(entry.columns.map((c) => [c, r[c]])),
            },
          };
        if (rows.length < BATCH) break;
        after = rows[rows.length - 1].id as string;
      }
    }
  }

  /** True when the row still held `before` and now holds `after`. */
  async replace(
    entry: SealedColumns,
    id: string,
    column: string,
    before: unknown,
    after: unknown,
  ): Promise<boolean> {
    const json = typeof before !== 'string';
    const { affected } = await rawWrite(
      this.db,
      `UPDATE ${ident(entry.table)} SET ${ident(column)} = $2${json ? '::jsonb' : ''}
        WHERE ${ident(entry.idColumn)}::text = $1 AND ${ident(column)} = $3${json ? '::jsonb' : ''}`,
      [id, json ? JSON.stringify(after) : after, json ? JSON.stringify(before) : before],
    );
    return affected > 0;
  }
}
