import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import type { SpaceDto } from '../dto/space.dto.js';
import { SpaceEntity, SpaceMemberEntity, type SpaceRole } from './space.entity.js';

/** NOTIFY channel: "memberships of app <payload> changed" (streams re-check theirs). */
export const SPACE_MEMBERS_CHANNEL = 'hub_sync_members';

/**
 * Spaces and memberships through their entities, in the caller's transaction. The change
 * log's reads join these tables in SQL of their own (ChangeLogRepository).
 */
@Injectable()
export class SpacesRepository {
  /** A new space with its creator as owner; returns its id. */
  async create(m: EntityManager, appId: string, name: string, ownerId: string): Promise<string> {
    const { identifiers } = await m.getRepository(SpaceEntity).insert({ appId, name, ownerId });
    const id = (identifiers[0] as Pick<SpaceEntity, 'id'>).id;
    await m
      .getRepository(SpaceMemberEntity)
      .insert({ spaceId: id, userId: ownerId, role: 'owner' });
    return id;
  }

  /** Ids of the app's spaces, oldest first: those `memberId` belongs to, or all. */
  async ids(m: EntityManager, appId: string, memberId?: string): Promise<string[]> {
    const query = m
      .getRepository(SpaceEntity)
      .createQueryBuilder('s')
      .select('s.id', 'id')
      .where('s.appId = :appId', { appId })
      .orderBy('s.createdAt')
      .addOrderBy('s.id');
    if (memberId !== undefined)
      query.innerJoin('s.members', 'sm', 'sm.userId = :memberId', { memberId });
    return (await query.getRawMany<{ id: string }>()).map((r) => r.id);
  }

  /**
   * The space, locked until the caller's transaction ends, with the role of `userId` in it
   * (null when not a member, or for no user).
   */
  async lock(
    m: EntityManager,
    appId: string,
    spaceId: string,
    userId: string | null,
  ): Promise<{ ownerId: string; role: SpaceRole | null } | undefined> {
    const space = await m.getRepository(SpaceEntity).findOne({
      where: { id: spaceId, appId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!space) return undefined;
    const member =
      userId === null
        ? null
        : await m.getRepository(SpaceMemberEntity).findOneBy({ spaceId, userId });
    return { ownerId: space.ownerId, role: member?.role ?? null };
  }

  /** Adds a member; one already in the space stays as they were. */
  async addMember(m: EntityManager, spaceId: string, userId: string): Promise<void> {
    await m
      .getRepository(SpaceMemberEntity)
      .createQueryBuilder()
      .insert()
      .values({ spaceId, userId, role: 'member' })
      .orIgnore()
      .execute();
  }

  async removeMember(m: EntityManager, spaceId: string, userId: string): Promise<void> {
    await m.getRepository(SpaceMemberEntity).delete({ spaceId, userId });
  }

  /** Deletes the space; its memberships and records go with it (foreign keys). */
  async remove(m: EntityManager, spaceId: string): Promise<void> {
    await m.getRepository(SpaceEntity).delete({ id: spaceId });
  }

  /** The spaces with their members (by join time), oldest space first. */
  async load(m: EntityManager, appId: string, ids: string[]): Promise<SpaceDto[]> {
    if (ids.length === 0) return [];
    const spaces = await m.getRepository(SpaceEntity).find({
      where: { appId, id: In(ids) },
      relations: { members: true },
      order: { createdAt: 'ASC', id: 'ASC', members: { addedAt: 'ASC', userId: 'ASC' } },
    });
    return spaces.map((s) => ({
      id: s.id,
      appId: s.appId,
      name: s.name,
      ownerId: s.ownerId,
      createdAt: s.createdAt,
      members: s.members.map((sm) => ({ userId: sm.userId, role: sm.role, addedAt: sm.addedAt })),
    }));
  }

  /** Sent at commit: streams of the app on every instance re-check their memberships. */
  async notify(m: EntityManager, appId: string): Promise<void> {
    // Raw: pg_notify is a function call, not a table.
    await m.query(`SELECT pg_notify($1, $2)`, [SPACE_MEMBERS_CHANNEL, appId]);
  }
}
