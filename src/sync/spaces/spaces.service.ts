import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { SpaceDto } from '../dto/space.dto.js';
import { SyncException } from '../sync.exception.js';
import { SpacesRepository } from './spaces.repository.js';

/** Who is acting: a user (checked as owner/member) or an admin (may manage every space). */
export type SpaceActor = { admin: true } | { admin: false; userId: string };

@Injectable()
export class SpacesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly spaces: SpacesRepository,
  ) {}

  async create(appId: string, userId: string, name: string): Promise<SpaceDto> {
    return this.dataSource.transaction(async (m) => {
      const id = await this.spaces.create(m, appId, name, userId);
      await this.spaces.notify(m, appId);
      return (await this.spaces.load(m, appId, [id]))[0];
    });
  }

  /** A user's spaces, or (admin) every space of the app. */
  async list(appId: string, actor: SpaceActor): Promise<SpaceDto[]> {
    const m = this.dataSource.manager;
    const ids = await this.spaces.ids(m, appId, actor.admin ? undefined : actor.userId);
    return this.spaces.load(m, appId, ids);
  }

  async addMember(
    appId: string,
    spaceId: string,
    actor: SpaceActor,
    userId: string,
  ): Promise<SpaceDto> {
    return this.dataSource.transaction(async (m) => {
      await this.authorize(m, appId, spaceId, actor, 'owner');
      await this.spaces.addMember(m, spaceId, userId);
      await this.spaces.notify(m, appId);
      return (await this.spaces.load(m, appId, [spaceId]))[0];
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
      await this.spaces.removeMember(m, spaceId, userId);
      await this.spaces.notify(m, appId);
    });
  }

  /** Deletes the space and its records (the owner or an admin). */
  async remove(appId: string, spaceId: string, actor: SpaceActor): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await this.authorize(m, appId, spaceId, actor, 'owner');
      await this.spaces.remove(m, spaceId);
      await this.spaces.notify(m, appId);
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
    const space = await this.spaces.lock(m, appId, spaceId, actor.admin ? null : actor.userId);
    if (!space || (!actor.admin && !space.role)) throw SyncException.spaceNotFound(spaceId);
    if (!actor.admin && need === 'owner' && space.role !== 'owner')
      throw SyncException.notSpaceOwner(spaceId);
    return space;
  }
}
