import { Injectable } from '@nestjs/common';
import { storableText } from '../../common/http/storable-text.js';
import type { EntityManager } from 'typeorm';

export type TargetStatus = 'synced' | 'remote_changed' | 'remote_deleted' | 'error';

/** One appointment as written to one binding's calendar. */
export interface Target {
  bindingId: string;
  appointmentId: string;
  /** Stable per (binding, appointment); never reused for another appointment. */
  uid: string;
  /** The object's path on the server (ours to choose at create, never derived from the UID). */
  href: string | null;
  etag: string | null;
  /** The highest SEQUENCE the hub wrote or read for this object; its next write goes above. */
  sequence: number;
  contentHash: string | null;
  /** The object as the server last returned it (kept to preserve properties we do not own). */
  remoteIcs: string | null;
  status: TargetStatus;
  lastError: string | null;
}

@Injectable()
export class TargetRepository {
  list(m: EntityManager, bindingId: string): Promise<Target[]> {
    return m.query(
      `SELECT binding_id AS "bindingId", appointment_id AS "appointmentId", uid, href, etag, sequence,
         content_hash AS "contentHash", remote_ics AS "remoteIcs", status, last_error AS "lastError"
       FROM calendar_targets WHERE binding_id = $1`,
      [bindingId],
    );
  }

  /** href, ETag, the object and the error come from the server: stored as storable text. */
  async save(m: EntityManager, t: Target): Promise<void> {
    await m.query(
      `INSERT INTO calendar_targets (binding_id, appointment_id, uid, href, etag, sequence, content_hash,
         remote_ics, status, last_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (binding_id, appointment_id) DO UPDATE SET uid = EXCLUDED.uid, href = EXCLUDED.href,
         etag = EXCLUDED.etag, sequence = EXCLUDED.sequence, content_hash = EXCLUDED.content_hash,
         remote_ics = EXCLUDED.remote_ics, status = EXCLUDED.status, last_error = EXCLUDED.last_error,
         updated_at = now()`,
      [
        t.bindingId,
        t.appointmentId,
        t.uid,
        storableText(t.href),
        storableText(t.etag),
        t.sequence,
        t.contentHash,
        storableText(t.remoteIcs),
        t.status,
        storableText(t.lastError),
      ],
    );
  }

  async remove(m: EntityManager, bindingId: string, appointmentId: string): Promise<void> {
    await m.query(`DELETE FROM calendar_targets WHERE binding_id = $1 AND appointment_id = $2`, [
      bindingId,
      appointmentId,
    ]);
  }
}
