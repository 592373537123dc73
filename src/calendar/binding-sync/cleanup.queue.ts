/** The job queue of removal work on the CalDAV server, keyed by user (see SyncScheduler). */
export const CLEANUP_QUEUE = 'calendar.cleanup';

/** The objects a deleted binding had written. */
export interface ObjectsCleanup {
  userId: string;
  calendarUrl: string;
  objects: { href: string; etag: string | null }[];
}

/** The last job of a disconnect: the account row (and its sealed password) goes. */
export interface AccountRemoval {
  userId: string;
  removeAccount: true;
}

export type CleanupPayload = ObjectsCleanup | AccountRemoval;
