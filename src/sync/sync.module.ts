import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { bodyLimit } from '../common/http/body-routes.js';
import { EventsModule } from '../events/index.js';
import { ChangeLogRepository } from './changes/change-log.repository.js';
import { PushService } from './changes/push.service.js';
import { SnapshotService } from './changes/snapshot.service.js';
import { SyncController } from './changes/sync.controller.js';
import { SyncReadService } from './changes/sync-read.service.js';
import { SyncCompactionJob } from './log/compaction.job.js';
import { SyncLogIdentity } from './log/log-identity.js';
import { AppSettingsEntity } from './settings/app-settings.entity.js';
import { AppSettingsService } from './settings/app-settings.service.js';
import { SpaceEntity, SpaceMemberEntity } from './spaces/space.entity.js';
import { SpacesController } from './spaces/spaces.controller.js';
import { SpacesRepository } from './spaces/spaces.repository.js';
import { SpacesService } from './spaces/spaces.service.js';
import { SyncStreamHub } from './stream/stream-hub.js';
import { SyncAdminController } from './sync-admin.controller.js';
import { SyncMetrics } from './sync-metrics.js';

/**
 * Offline-first sync for client apps: push changesets, pull by cursor, live SSE, field-level
 * last-write-wins, shared spaces. Independent of the other feature modules; accepted changes
 * reach them only as `sync.<table>.<op>` events on the bus. Exports nothing.
 */
@Module({
  imports: [
    EventsModule,
    TypeOrmModule.forFeature([SpaceEntity, SpaceMemberEntity, AppSettingsEntity]),
  ],
  // The admin controller first: /sync/apps/... must not be taken for an app called "apps".
  controllers: [SyncAdminController, SpacesController, SyncController],
  providers: [
    ChangeLogRepository,
    SyncReadService,
    PushService,
    SnapshotService,
    SpacesRepository,
    SpacesService,
    AppSettingsService,
    SyncStreamHub,
    SyncCompactionJob,
    SyncLogIdentity,
    SyncMetrics,
    // A changeset of up to 5,000 changes may be several MiB (docs/sync-protocol.md); only the
    // push route (`POST /sync/:appId`) needs that, every other sync route keeps the default.
    bodyLimit({ method: 'POST', path: /^\/sync\/[^/]+\/?$/, limit: '10mb' }),
  ],
})
export class SyncModule {}
