import { Foundation1763900000000 } from './1763900000000-Foundation.js';
import { Webhooks1763910000000 } from './1763910000000-Webhooks.js';
import { WebhookLeaseIndex1763920000000 } from './1763920000000-WebhookLeaseIndex.js';
import { Sync1763930000000 } from './1763930000000-Sync.js';
import { WebhookFairClaim1764600000000 } from './1764600000000-WebhookFairClaim.js';
import { Jobs1764610000000 } from './1764610000000-Jobs.js';
import { DeliveryTargets1764620000000 } from './1764620000000-DeliveryTargets.js';
import { EndpointSignatureScheme1764630000000 } from './1764630000000-EndpointSignatureScheme.js';
import { EventTriggers1764650000000 } from './1764650000000-EventTriggers.js';
import { LogScan1764660000000 } from './1764660000000-LogScan.js';
import { Integrations1764670000000 } from './1764670000000-Integrations.js';
import { Calendar1764680000000 } from './1764680000000-Calendar.js';
import { CalendarAccountDisconnect1764690000000 } from './1764690000000-CalendarAccountDisconnect.js';
import { StoragePrunes1764705000000 } from './1764705000000-StoragePrunes.js';
import { SyncLogIdentity1764706000000 } from './1764706000000-SyncLogIdentity.js';
import { EventLogIdentity1764707000000 } from './1764707000000-EventLogIdentity.js';
import { PartitionedLogs1764710000000 } from './1764710000000-PartitionedLogs.js';
import { ScheduleCron1764720000000 } from './1764720000000-ScheduleCron.js';
import { TriggerSeedPayload1764730100000 } from './1764730100000-TriggerSeedPayload.js';
import { IntegrationCardBirths1764730100100 } from './1764730100100-IntegrationCardBirths.js';
import { WebhookMessages1764730200000 } from './1764730200000-WebhookMessages.js';
import { SyncChangeWatermark1764730400000 } from './1764730400000-SyncChangeWatermark.js';
import { IntegrationCutoffLog1764862400000 } from './1764862400000-IntegrationCutoffLog.js';
import { SyncRecordsFillfactor1764870000000 } from './1764870000000-SyncRecordsFillfactor.js';
import { Artifacts1764730300000 } from './1764730300000-Artifacts.js';
import { CalendarScopeVersion1764730500000 } from './1764730500000-CalendarScopeVersion.js';
import { ConsoleOverview1764900000000 } from './1764900000000-ConsoleOverview.js';
import { AttemptRequestHeaders1764900100000 } from './1764900100000-AttemptRequestHeaders.js';
import { WebhookLeaseTable1764950000000 } from './1764950000000-WebhookLeaseTable.js';

/**
 * Every migration, oldest first. An explicit list (not a glob) so the app, the CLI and the
 * test template all apply exactly the reviewed set; `npm run migration:generate` prints the
 * line to add here.
 */
export const migrations = [
  Foundation1763900000000,
  Webhooks1763910000000,
  WebhookLeaseIndex1763920000000,
  Sync1763930000000,
  WebhookFairClaim1764600000000,
  Jobs1764610000000,
  DeliveryTargets1764620000000,
  EndpointSignatureScheme1764630000000,
  EventTriggers1764650000000,
  LogScan1764660000000,
  Integrations1764670000000,
  Calendar1764680000000,
  CalendarAccountDisconnect1764690000000,
  StoragePrunes1764705000000,
  SyncLogIdentity1764706000000,
  EventLogIdentity1764707000000,
  PartitionedLogs1764710000000,
  ScheduleCron1764720000000,
  TriggerSeedPayload1764730100000,
  IntegrationCardBirths1764730100100,
  WebhookMessages1764730200000,
  Artifacts1764730300000,
  SyncChangeWatermark1764730400000,
  CalendarScopeVersion1764730500000,
  IntegrationCutoffLog1764862400000,
  SyncRecordsFillfactor1764870000000,
  ConsoleOverview1764900000000,
  AttemptRequestHeaders1764900100000,
  WebhookLeaseTable1764950000000,
];
