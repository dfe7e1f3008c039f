import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { describeOrigin } from '../../src/engine/values.js';
import { defineRule } from '../../src/engine/rule.js';
import { readEnvFix, remediationFor } from './support/config-fix.js';
import { cacheStoreDriver, LOCAL_CACHE_DRIVERS, str } from './support/config.js';
import { sqliteBackedFinding } from './support/sqlite.js';

export default defineRule({
  meta: {
    id: 'laravel/cache-store-local',
    ecosystem: 'laravel',
    category: 'cache',
    severity: 'warning',
    summary: 'The default cache store keeps data on one server (file, array or apc driver)',
    why:
      'Each node gets its own cache: Cache::forget() on one node leaves stale data on the others, and everything that ' +
      'rides on the cache (atomic locks, rate limiters, onOneServer() and withoutOverlapping() mutexes, ' +
      'queue restart signals) silently works per node instead of cluster-wide.',
    remediation: 'Set CACHE_STORE=redis (CACHE_DRIVER before Laravel 11), or memcached/dynamodb/database on a shared server, for production.',
    examples: { bad: '# .env\nCACHE_STORE=file', good: '# .env\nCACHE_STORE=redis' },
    fixable: 'unsafe',
  },

  check({ facts, report }) {
    const laravel = laravelOf(facts);
    const store = laravel?.config.get('cache.default');
    const name = str(store);
    if (!laravel || !store || !name) return;
    const driver = str(cacheStoreDriver(laravel, name));
    // issue 9: a database cache store on a local SQLite file (support/sqlite.ts)
    const sqlite = driver === 'database' ? sqliteBackedFinding(laravel, store, { label: 'The cache (and its locks)', key: 'cache.default', connectionKey: `cache.stores.${name}.connection`, consequence: 'every node has its own cache, locks and rate limits.' }) : undefined;
    if (sqlite) return report(sqlite);
    if (!driver || !LOCAL_CACHE_DRIVERS.has(driver)) return;
    const driverVal = cacheStoreDriver(laravel, name)!;
    report({
      value: store,
      remediation: remediationFor(laravel, 'cache.default', store, 'redis', ' (a store every node shares)'),
      fix: readEnvFix(laravel, 'cache.default', store)?.fix,
      message: `The default cache store '${name}' uses the '${driver}' driver (cache.default = ${name}: ${describeOrigin(store)}): every node has its own cache, locks and rate limits.`,
      related: driverVal.origin.file.startsWith('(') || driverVal.origin.line === store.origin.line ? [] : [{ file: driverVal.origin.file, line: driverVal.origin.line, message: `store '${name}' has driver '${driver}'` }],
    });
  },
});
