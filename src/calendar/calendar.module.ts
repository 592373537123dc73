import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { sealedColumns } from '../common/security/sealed-columns.js';
import { EventsModule } from '../events/index.js';
import { CalendarAccountEntity } from './accounts/account.entity.js';
import { AccountDisconnectService } from './accounts/account-disconnect.service.js';
import { AccountRepository } from './accounts/account.repository.js';
import { AdminAccountsController } from './accounts/admin-accounts.controller.js';
import { AdminAccountsService } from './accounts/admin-accounts.service.js';
import { AccountsController } from './accounts/accounts.controller.js';
import { AccountsService } from './accounts/accounts.service.js';
import { CalDavSessions } from './accounts/caldav-sessions.js';
import { AppointmentRepository } from './appointments/appointment.repository.js';
import { AppointmentProjectionConsumer } from './appointments/projection.consumer.js';
import { CalendarBindingEntity } from './bindings/binding.entity.js';
import { FailingBindingsService } from './bindings/failing-bindings.service.js';
import { BindingRemoval } from './bindings/binding-removal.js';
import { AdminBindingsController } from './bindings/admin-bindings.controller.js';
import { BindingRepository } from './bindings/binding.repository.js';
import { BindingsController } from './bindings/bindings.controller.js';
import { BindingsService } from './bindings/bindings.service.js';
import { ParseWorkers } from './caldav/off-loop.js';
import { BindingPullService } from './binding-sync/binding-pull.service.js';
import { BindingPushService } from './binding-sync/binding-push.service.js';
import { BindingSyncService } from './binding-sync/binding-sync.service.js';
import { CalendarMetrics } from './binding-sync/calendar-metrics.js';
import { CalendarCleanupJob } from './binding-sync/cleanup.job.js';
import { SyncLogRepository } from './binding-sync/sync-log.repository.js';
import { SyncScheduler } from './binding-sync/sync-scheduler.js';
import { CalendarSyncJob } from './binding-sync/sync.job.js';
import { TargetRepository } from './binding-sync/target.repository.js';

/**
 * Calendar: publishers' appointments (a projection of `appointment.*` events) kept in step
 * with each user's CalDAV calendars through bindings, one sync job per binding. It reports
 * remote edits as `calendar.remote_changed` / `calendar.remote_deleted`, and exports only
 * FailingBindingsService, a read for the operator console.
 */
@Module({
  imports: [EventsModule, TypeOrmModule.forFeature([CalendarAccountEntity, CalendarBindingEntity])],
  controllers: [
    AccountsController,
    AdminAccountsController,
    BindingsController,
    AdminBindingsController,
  ],
  providers: [
    AccountDisconnectService,
    AccountRepository,
    AccountsService,
    AdminAccountsService,
    CalDavSessions,
    AppointmentRepository,
    AppointmentProjectionConsumer,
    BindingRemoval,
    BindingRepository,
    BindingsService,
    FailingBindingsService,
    BindingPullService,
    BindingPushService,
    BindingSyncService,
    CalendarSyncJob,
    CalendarCleanupJob,
    CalendarMetrics,
    ParseWorkers,
    SyncLogRepository,
    SyncScheduler,
    TargetRepository,
    // A user's CalDAV password.
    sealedColumns({
      table: 'calendar_accounts',
      idColumn: 'user_id',
      columns: ['password_sealed'],
    }),
  ],
  exports: [FailingBindingsService],
})
export class CalendarModule {}
