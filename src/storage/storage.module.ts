import { Module } from '@nestjs/common';
import { StorageMaintenanceJob } from './maintenance.job.js';
import { PartitionMaintenance } from './partition-maintenance.js';
import { PartitionRepository } from './partition.repository.js';
import { StorageController } from './storage.controller.js';
import { StorageMetrics } from './storage-metrics.js';
import { StorageRepository } from './storage.repository.js';
import { StorageService } from './storage.service.js';

/**
 * Bounded storage: the retention registry, the one maintenance schedule that prunes it in
 * bounded batches, and the storage view (GET /admin/storage, hub_table_* metrics).
 */
@Module({
  controllers: [StorageController],
  providers: [
    StorageRepository,
    StorageService,
    StorageMetrics,
    StorageMaintenanceJob,
    PartitionRepository,
    PartitionMaintenance,
  ],
})
export class StorageModule {}
