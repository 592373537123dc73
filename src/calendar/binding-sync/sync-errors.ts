/** A run that would delete more than half of a binding's objects stops and asks first. */
export class MassDeleteStop extends Error {}

/** The binding was deleted while this run was writing: stop; its cleanup owns the calendar. */
export class BindingGone extends Error {}

/** A target row whose binding no longer exists (deleted mid-run; targets cascade with it). */
export function bindingDeleted(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string } };
  return (e?.driverError?.code ?? e?.code) === '23503';
}
