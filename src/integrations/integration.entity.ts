import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

@Entity({ name: 'integrations' })
export class IntegrationEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('text') kind: string;
  @Column('text') name: string;
  @Column('boolean') enabled: boolean;
  @Column('text', { array: true, name: 'event_filter' }) eventFilter: string[];
  /** The whole config as JSON, sealed by the secret box (key id inside the value). */
  @Column('text', { name: 'config_sealed' }) configSealed: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
