import type { DiscoveryService } from '@nestjs/core';

/**
 * Every provider instance of `type` in the application, in module order: how a module adds to
 * a shared list (a body limit, its sealed columns, a readiness detail) through DI, by
 * providing an instance, instead of pushing into a global array when its file is imported.
 * Value providers exist once the application is created; ask after that, not in a constructor.
 */
export function registered<T>(
  discovery: DiscoveryService,
  type: abstract new (...args: never[]) => T,
): T[] {
  const found = new Set<T>();
  for (const wrapper of discovery.getProviders())
    if (wrapper.instance instanceof type) found.add(wrapper.instance);
  return [...found];
}
