import type { SchedulerRegistry } from '@nestjs/schedule';

/*
 * Per-instance ticks (pollers, heartbeats) are registered by name with @nestjs/schedule's
 * SchedulerRegistry, so `getIntervals()` / `getTimeouts()` list every timer of the process
 * and ScheduleModule deletes whatever is still registered at shutdown. The work a tick starts
 * is claimed across the cluster from rows; a tick itself runs on every instance. Timers are
 * unref'd: they never keep a stopping process alive.
 */

/** Starts `fn` every `ms` under `name` (a second start under one name is a programming error). */
export function startTick(
  registry: SchedulerRegistry,
  name: string,
  fn: () => void,
  ms: number,
): void {
  const timer = setInterval(fn, ms);
  timer.unref();
  registry.addInterval(name, timer);
}

/** Stops the tick; nothing when it is not running (already stopped, or ScheduleModule was first). */
export function stopTick(registry: SchedulerRegistry, name: string): void {
  if (registry.doesExist('interval', name)) registry.deleteInterval(name);
}

/** (Re)arms the one-shot timer `name`: a pending one under that name is replaced. */
export function armTimeout(
  registry: SchedulerRegistry,
  name: string,
  fn: () => void,
  ms: number,
): void {
  disarmTimeout(registry, name);
  const timer = setTimeout(fn, ms);
  timer.unref();
  registry.addTimeout(name, timer);
}

/** Clears the one-shot timer `name`, if any. */
export function disarmTimeout(registry: SchedulerRegistry, name: string): void {
  if (registry.doesExist('timeout', name)) registry.deleteTimeout(name);
}
