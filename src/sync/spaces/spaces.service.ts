import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { SpaceDto } from '../dto/space.dto.js';
import { SyncException } from '../sync.exception.js';

/** NOTIFY channel: "memberships of app <payload> changed" (streams re-check theirs). */
export const SPACE_MEMBERS_CHANNEL = 'hub_sync_members';

/** Who is acting: a user (checked as owner/member) or an admin (may manage every space). */
export type SpaceActor = { admin: true } | { admin: false; userId: string };

@Injectable()
export class SpacesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async create(appId: string, userId: string, name: string): Promise<SpaceDto> {
    return this.dataSource.transaction(async (m) => {
      const [space]: { id: string }[] = await m.query(
        `INSERT INTO sync_spaces (app_id, name, owner_id) VALUES ($1, $2, $3) RETURNING id`,
        [appId, name, userId],
      );
      await m.query(
        `INSERT INTO sync_space_members (space_id, user_id, role) VALUES ($1, $2, 'owner')`,
        [space.id, userId],
      );
      await this.notify(m, appId);
      return (await this.load(m, appId, [space.id]))[0];
    });
  }

  /** A user's spaces, or (admin) every space of the app. */
  async list(appId: string, actor: SpaceActor): Promise<SpaceDto[]> {
    const ids: { id: string }[] = actor.admin
      ? await this.dataSource.query(
          `SELECT id FROM sync_spaces WHERE app_id = $1 ORDER BY created_at, id`,
          [appId],
        )
      : await this.dataSource.query(
          `SELECT s.id FROM sync_spaces s JOIN sync_space_members sm ON sm.space_id = s.id
           WHERE s.app_id = $1 AND sm.user_id = $2 ORDER BY s.created_at, s.id`,
          [appId, actor.userId],
        );
    return this.load(
      this.dataSource.manager,
      appId,
      ids.map((r) => r.id),
    );
  }

  async addMember(
    appId: string,
    spaceId: string,
    actor: SpaceActor,
    userId: string,
  ): Promise<SpaceDto> {
    return this.dataSource.transaction(async (m) => {
      await this.authorize(m, appId, spaceId, actor, 'owner');
      await m.query(
        `INSERT INTO sync_space_members (space_id, user_id, role) VALUES ($1, $2, 'member')
         ON CONFLICT DO NOTHING`,
        [spaceId, userId],
      );
      await this.notify(m, appId);
      return (await this.load(m, appId, [spaceId]))[0];
    });
  }

  /** The owner (or an admin) removes anyone but the owner; a member may leave. */
  async removeMember(
    appId: string,
    spaceId: string,
    actor: SpaceActor,
    userId: string,
  ): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const space = await this.authorize(
        m,
        appId,
        spaceId,
        actor,
        !actor.admin && actor.userId === userId ? 'member' : 'owner',
      );
      if (space.ownerId === userId) throw SyncException.ownerStays(spaceId);
      await m.query(`DELETE FROM sync_space_members WHERE space_id = $1 AND user_id = $2`, [
        spaceId,
        userId,
      ]);
      await this.notify(m, appId);
    });
  }

  /** Deletes the space and its records (the owner or an admin). */
  async remove(appId: string, spaceId: string, actor: SpaceActor): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await this.authorize(m, appId, spaceId, actor, 'owner');
      await m.query(`DELETE FROM sync_spaces WHERE id = $1`, [spaceId]);
      await this.notify(m, appId);
    });
  }

  /** 404 for a space you cannot see (not a member), 403 for a member who is not the owner. */
  private async authorize(
    m: EntityManager,
    appId: string,
    spaceId: string,
    actor: SpaceActor,
    need: 'owner' | 'member',
  ): Promise<{ ownerId: string }> {
    const [space]: { ownerId: string; role: string | null }[] = await m.query(
      `SELECT s.owner_id AS "ownerId", sm.role FROM sync_spaces s
       LEFT JOIN sync_space_members sm ON sm.space_id = s.id AND sm.user_id = $3
       WHERE s.id = $1 AND s.app_id = $2 FOR UPDATE OF s`,
      [spaceId, appId, actor.admin ? null : actor.userId],
    );
    if (!space || (!actor.admin && !space.role)) throw SyncException.spaceNotFound(spaceId);
    if (!actor.admin && need === 'owner' && space.role !== 'owner')
      throw SyncException.notSpaceOwner(spaceId);
    return space;
  }

  private async load(m: EntityManager, appId: string, ids: string[]): Promise<SpaceDto[]> {
    if (ids.length === 0) return [];
    const rows: (Omit<SpaceDto, 'members'> & { members: SpaceDto['members'] })[] = await m.query(
      // json_build_object renders a timestamptz as "...+00:00"; answers use "...Z" (as
      // Date.toISOString() does for every other time), so members' addedAt is formatted here.
      `SELECT s.id, s.app_id AS "appId", s.name, s.owner_id AS "ownerId", s.created_at AS "createdAt",
              COALESCE(json_agg(json_build_object('userId', sm.user_id, 'role', sm.role, 'addedAt',
                to_char(sm.added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
                ORDER BY sm.added_at, sm.user_id) FILTER (WHERE sm.user_id IS NOT NULL), '[]') AS members
       FROM sync_spaces s LEFT JOIN sync_space_members sm ON sm.space_id = s.id
       WHERE s.app_id = $1 AND s.id = ANY($2::uuid[])
       GROUP BY s.id ORDER BY s.created_at, s.id`,
      [appId, ids],
    );
    return rows;
  }

  private async notify(m: EntityManager, appId: string): Promise<void> {
    await m.query(`SELECT pg_notify($1, $2)`, [SPACE_MEMBERS_CHANNEL, appId]);
  }
}
