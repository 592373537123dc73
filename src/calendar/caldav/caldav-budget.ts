/**
 * What the hub spends on one CalDAV answer or object (docs/calendar.md, "Budgets"). A server
 * (or anyone who can edit a shared calendar) controls this input; past a budget the answer or
 * object fails with an OverBudgetError recorded in the sync log, never a hang.
 */
export const CALDAV_BUDGET = {
  /** `<response>` elements in one multistatus. */
  maxResponses: 20_000,
  /** UTF-16 code units of one object's calendar data (about bytes for ASCII iCalendar). */
  maxObjectBytes: 1024 * 1024,
  /** `BEGIN:` lines in one object (VCALENDAR, VEVENTs, VALARMs, VTIMEZONEs...). */
  maxComponents: 1000,
  /** Answers and objects smaller than this are parsed inline: the worker hop costs more. */
  inlineMaxBytes: 32 * 1024,
  /** One parse in the worker; past it the worker is terminated. */
  deadlineMs: 15_000,
  /** The parse worker's V8 heap. */
  workerHeapMb: 512,
} as const;

export type OverBudgetKind =
  'answer_objects' | 'object_bytes' | 'object_components' | 'deadline' | 'memory';

export class OverBudgetError extends Error {
  override readonly name = 'OverBudgetError';

  constructor(
    readonly kind: OverBudgetKind,
    message: string,
  ) {
    super(message);
  }

  /** The kind travels back from a worker thread as the error's `code`. */
  get code(): OverBudgetKind {
    return this.kind;
  }
}

/** Throws when one object's calendar data is over budget; cheap (one scan, no parse). */
export function assertObjectBudget(ics: string): void {
  if (ics.length > CALDAV_BUDGET.maxObjectBytes)
    throw new OverBudgetError(
      'object_bytes',
      `the object is ${ics.length} bytes, over the budget of ${CALDAV_BUDGET.maxObjectBytes}`,
    );
  const components = countComponents(ics, CALDAV_BUDGET.maxComponents + 1);
  if (components > CALDAV_BUDGET.maxComponents)
    throw new OverBudgetError(
      'object_components',
      `the object has over ${CALDAV_BUDGET.maxComponents} components (BEGIN: lines), the budget`,
    );
}

/** `BEGIN:` at the start of a line (RFC 5545 content lines), counted up to `stop`. */
function countComponents(ics: string, stop: number): number {
  const re = /(?:^|\n)BEGIN:/gi;
  let n = 0;
  while (n < stop && re.exec(ics)) n++;
  return n;
}
