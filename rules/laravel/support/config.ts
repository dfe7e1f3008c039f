import type { LaravelFacts } from '../../../src/engine/project-facts.js';
import type { Val } from '../../../src/engine/values.js';
import { asString, display } from '../../../src/engine/values.js';

/** Drivers that keep data on the server that wrote it. */
export const LOCAL_CACHE_DRIVERS = new Set(['file', 'array', 'apc']);

export function cacheStoreDriver(laravel: LaravelFacts, store: string): Val | undefined {
  return laravel.config.get(`cache.stores.${store}.driver`);
}

export function diskDriver(laravel: LaravelFacts, disk: string): Val | undefined {
  return laravel.config.get(`filesystems.disks.${disk}.driver`);
}

export function diskRoot(laravel: LaravelFacts, disk: string): string | undefined {
  return asString(laravel.config.get(`filesystems.disks.${disk}.root`));
}

/** "redis" for a known string, undefined otherwise. */
export const str = asString;
export { display };

/**
 * The store the scheduler's onOneServer()/withoutOverlapping() locks use:
 * cache.schedule_store, else SCHEDULE_CACHE_DRIVER, else (11+) SCHEDULE_CACHE_STORE, else the default store.
 */
export function scheduleLockStore(laravel: LaravelFacts): { name?: string; decidedBy?: Val } {
  const configured = laravel.config.get('cache.schedule_store');
  if (configured && asString(configured)) return { name: asString(configured), decidedBy: configured };
  const candidates = ['SCHEDULE_CACHE_DRIVER', ...((laravel.major ?? 0) >= 11 ? ['SCHEDULE_CACHE_STORE'] : [])];
  for (const key of candidates) {
    const v = laravel.envValue(key);
    if (v && asString(v)) return { name: asString(v), decidedBy: v };
  }
  const def = laravel.config.get('cache.default');
  return { name: asString(def), decidedBy: def };
}
