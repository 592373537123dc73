import { FOREIGN_KEY_VIOLATION, sqlState } from '../../database/sql-state.js';

/** A run that would delete more than half of a binding's objects stops and asks first. */
export class MassDeleteStop extends Error {}

/** The binding was deleted while this run was writing: stop; its cleanup owns the calendar. */
export class BindingGone extends Error {}

/** A target row whose binding no longer exists (deleted mid-run; targets cascade with it). */
export function bindingDeleted(err: unknown): boolean {
  return sqlState(err) === FOREIGN_KEY_VIOLATION;
}
