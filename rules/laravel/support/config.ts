import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
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

export { scheduleLockStore } from '../../../src/ecosystems/laravel/facts.js';
