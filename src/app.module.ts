import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { ArtifactsModule } from './artifacts/index.js';
import { CalendarModule } from './calendar/index.js';
import { ConsoleModule } from './console/index.js';
import { AuthModule } from './common/auth/auth.module.js';
import { ErrorsModule } from './common/errors/errors.module.js';
import { HealthModule } from './common/health/health.module.js';
import { BodyRoutesModule } from './common/http/body-routes.module.js';
import { MetricsModule } from './common/metrics/metrics.module.js';
import { OutboundModule } from './common/outbound/outbound.module.js';
import { SecurityModule } from './common/security/security.module.js';
import { configLoaders } from './config/index.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/index.js';
import { IntegrationsModule } from './integrations/index.js';
import { JobsModule } from './jobs/index.js';
import { KeyRotationModule } from './key-rotation/index.js';
import { LogScanModule } from './log-scan/index.js';
import { StorageModule } from './storage/index.js';
import { SyncModule } from './sync/index.js';
import { TriggersModule } from './triggers/index.js';
import { WebhooksModule } from './webhooks/index.js';

@Module({
  imports: [
    // The environment was validated and completed (embedded DB, generated secrets) before
    // Nest started; each loader re-validates its own concern into a typed object.
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: configLoaders }),
    // The SchedulerRegistry of every per-instance tick (src/common/ticks.ts). Imported before
    // the modules that own ticks: other modules shut down first and global ones in reverse
    // order of import, so its beforeApplicationShutdown, which deletes every timer still
    // registered, runs after theirs (the database liveness probe keeps watching while jobs
    // drain; test/app/ticks.e2e-spec.ts).
    ScheduleModule.forRoot(),
    EventEmitterModule.forRoot(),
    DatabaseModule,
    MetricsModule,
    ErrorsModule,
    BodyRoutesModule,
    SecurityModule,
    OutboundModule,
    AuthModule,
    HealthModule,
    EventsModule,
    JobsModule,
    ArtifactsModule,
    KeyRotationModule,
    WebhooksModule,
    SyncModule,
    TriggersModule,
    LogScanModule,
    IntegrationsModule,
    CalendarModule,
    StorageModule,
    ConsoleModule,
  ],
})
export class AppModule {}
