import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface FailingIntegration {
  id: string;
  name: string;
  kind: string;
  lastErrorAt: string;
  lastError: string;
  lastStatus: number | null;
}

/**
 * For the operator console: enabled integrations whose latest remote call (the newest row of
 * their call log, `cutoff` notes aside) failed; the next successful call clears it.
 */
@Injectable()
export class FailingIntegrationsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async list(limit: number): Promise<FailingIntegration[]> {
    // Raw: the newest call of each integration (integration_logs_integration_idx, backwards).
    const rows: {
      id: string;
      name: string;
      kind: string;
      at: Date;
      error: string | null;
      http_status: number | null;
    }[] = await this.db.query(
      `SELECT i.id::text AS id, i.name, i.kind, l.created_at AS at, l.error, l.http_status
       FROM integrations i
       CROSS JOIN LATERAL (SELECT x.created_at, x.error, x.http_status FROM integration_logs x
                           WHERE x.integration_id = i.id AND x.operation <> 'cutoff'
                           ORDER BY x.id DESC LIMIT 1) l
       WHERE i.enabled AND (l.error IS NOT NULL OR l.http_status IS NULL OR l.http_status NOT BETWEEN 200 AND 299)
       ORDER BY l.created_at DESC, i.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      lastErrorAt: new Date(r.at).toISOString(),
      lastError: r.error ?? `answered ${r.http_status}`,
      lastStatus: r.http_status,
    }));
  }
}
