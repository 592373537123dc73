import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';

export type SpaceRole = 'owner' | 'member';

/** A shared space, `sync_spaces`: records pushed with its id are seen by all its members. */
@Entity({ name: 'sync_spaces' })
export class SpaceEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text', { name: 'app_id' }) appId: string;
  @Column('text') name: string;
  @Column('text', { name: 'owner_id' }) ownerId: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @OneToMany(() => SpaceMemberEntity, (member) => member.space) members: SpaceMemberEntity[];
}

/**
 * A membership, `sync_space_members` (deleted with its space by the foreign key). Its
 * `added_tx` is not mapped: the column default writes it, and only raw SQL reads it (the
 * change log's reads: a member who joined after a cursor gets a resync) or re-stamps it
 * (SyncLogIdentity).
 */
@Entity({ name: 'sync_space_members' })
export class SpaceMemberEntity {
  @PrimaryColumn('uuid', { name: 'space_id' }) spaceId: string;
  @PrimaryColumn('text', { name: 'user_id' }) userId: string;
  @Column('text') role: SpaceRole;
  @CreateDateColumn({ name: 'added_at', type: 'timestamptz' }) addedAt: Date;
  @ManyToOne(() => SpaceEntity, (space) => space.members, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'space_id' })
  space: SpaceEntity;
}
