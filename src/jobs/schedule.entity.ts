import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** node-postgres reads bigint as a string; a period in milliseconds is far below 2^53. */
const bigintNumber = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * A recurring schedule, `job_schedules`: a period (`every_ms`) or a cron rule read in
 * `time_zone`, one of the two (CHECK constraints in migrations/1764720000000-ScheduleCron.ts).
 */
@Entity({ name: 'job_schedules' })
export class JobScheduleEntity {
  @PrimaryColumn('text') queue: string;
  @PrimaryColumn('text') key: string;
  @Column('bigint', { name: 'every_ms', nullable: true, transformer: bigintNumber }) everyMs:
    number | null;
  @Column('text', { nullable: true }) cron: string | null;
  @Column('text', { name: 'time_zone', nullable: true }) timeZone: string | null;
  @Column('jsonb') payload: Record<string, unknown>;
  @Column('timestamptz', { name: 'next_run_at' }) nextRunAt: Date;
  @Column('timestamptz', { name: 'last_run_at', nullable: true }) lastRunAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
