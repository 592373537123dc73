/** The job queue of a binding's runs, keyed by binding id (see SyncScheduler). */
export const SYNC_QUEUE = 'calendar.sync';

export interface SyncPayload {
  bindingId: string;
  confirmDeletes?: boolean;
}
