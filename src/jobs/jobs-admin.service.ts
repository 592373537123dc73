import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { decodeCursor, paginate } from '../common/http/pagination.js';
import { JobDetailDto, JobPageDto, JobStatsDto, ListJobsQueryDto } from './dto/job.dto.js';
import { ListSchedulesQueryDto, SchedulePageDto } from './dto/schedule.dto.js';
import { JobHandlersRegistry } from './job-handlers.registry.js';
import { JobAdminRepository } from './job-admin.repository.js';
import { JobEnqueueRepository } from './job-enqueue.repository.js';
import { JobsException } from './jobs.exception.js';
import { ScheduleRepository } from './schedule.repository.js';

/** The operator API over jobs: browse, inspect, retry, cancel, stats, schedules. */
@Injectable()
export class JobsAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: JobAdminRepository,
    private readonly enqueues: JobEnqueueRepository,
    private readonly schedules: ScheduleRepository,
    private readonly registry: JobHandlersRegistry,
  ) {}

  async list(q: ListJobsQueryDto): Promise<JobPageDto> {
    const limit = q.limit ?? 100;
    const before = q.cursor ? decodeCursor<{ seq: string }>(q.cursor, { seq: 'int64' }) : undefined;
    const rows = await this.repo.list(this.dataSource.manager, {
      queue: q.queue,
      status: q.status,
      key: q.key,
      beforeSeq: before?.seq,
      limit: limit + 1,
    });
    return paginate(
      rows,
      limit,
      (last) => ({ seq: last.seq }),
      ({ seq: _seq, ...job }) => job,
    );
  }

  /** Every schedule, by queue and key. */
  async listSchedules(q: ListSchedulesQueryDto): Promise<SchedulePageDto> {
    const limit = q.limit ?? 100;
    const after = q.cursor
      ? decodeCursor<{ queue: string; key: string }>(q.cursor, { queue: 'text', key: 'text' })
      : undefined;
    const rows = await this.schedules.list(this.dataSource.manager, {
      queue: q.queue,
      after,
      limit: limit + 1,
    });
    return paginate(
      rows,
      limit,
      (last) => ({ queue: last.queue, key: last.key }),
      (row) => row,
    );
  }

  async get(id: string): Promise<JobDetailDto> {
    const m = this.dataSource.manager;
    const job = await this.repo.findOne(m, id);
    if (!job) throw JobsException.notFound(id);
    return { ...job, attempts: await this.repo.attempts(m, id) };
  }

  /** A failed or cancelled job runs again now, with a fresh retry schedule. */
  async retry(id: string): Promise<JobDetailDto> {
    await this.dataSource.transaction(async (m) => {
      const queue = await this.repo.retryNow(m, id);
      if (queue === 'duplicate') throw JobsException.duplicate();
      if (queue) return this.enqueues.notify(m, queue);
      const job = await this.repo.findOne(m, id);
      throw job ? JobsException.notRetryable(job.status) : JobsException.notFound(id);
    });
    return this.get(id);
  }

  async cancel(id: string): Promise<JobDetailDto> {
    const m = this.dataSource.manager;
    if (!(await this.repo.cancel(m, id))) {
      const job = await this.repo.findOne(m, id);
      throw job ? JobsException.notCancellable(job.status) : JobsException.notFound(id);
    }
    return this.get(id);
  }

  /** Every queue with a handler on this instance, and any other queue that has jobs. */
  async stats(): Promise<JobStatsDto> {
    const rows = await this.repo.stats(this.dataSource.manager);
    const byQueue = new Map(rows.map((r) => [r.queue, r]));
    for (const { queue } of this.registry.all()) {
      if (!byQueue.has(queue))
        byQueue.set(queue, {
          queue,
          pending: 0,
          due: 0,
          running: 0,
          failed: 0,
          oldestDueAgeSeconds: 0,
        });
    }
    return { queues: [...byQueue.values()].sort((a, b) => a.queue.localeCompare(b.queue)) };
  }
}
