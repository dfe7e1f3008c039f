import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { defineRule } from '../../src/engine/rule.js';
import { isAppCode } from './support/paths.js';
import type { Val } from '../../src/engine/values.js';
import { cacheStoreDriver, LOCAL_CACHE_DRIVERS, scheduleLockStore, str } from './support/config.js';
import { envKeyOf, readEnvFix } from './support/config-fix.js';
import { lockCalls, useCacheStore } from './support/schedule.js';

const ANCHORS = /\b(?:onOneServer|withoutOverlapping|useCache)\s*\(/;

export default defineRule({
  meta: {
    id: 'laravel/schedule-lock-local',
    ecosystem: 'laravel',
    category: 'scheduler',
    severity: 'error',
    summary: 'onOneServer()/withoutOverlapping() lock in a cache store that is not shared',
    why:
      'The scheduler takes its mutex in the schedule cache store. The file and array stores implement locks too, so ' +
      'onOneServer() "works" and never errors, but each server locks its own disk or memory: every node still runs the task.',
    remediation:
      'Point the scheduler at a shared store: CACHE_STORE=redis (CACHE_DRIVER before Laravel 11), or SCHEDULE_CACHE_DRIVER=redis ' +
      '(SCHEDULE_CACHE_STORE on Laravel 11+), or cache.schedule_store in config/cache.php.',
    examples: {
      bad: "# .env\nCACHE_STORE=file\n// routes/console.php\nSchedule::command('reports:send')->daily()->onOneServer();",
      good: "# .env\nCACHE_STORE=redis\n// routes/console.php\nSchedule::command('reports:send')->daily()->onOneServer();",
    },
    fixable: 'unsafe',
  },

  files: { languages: ['php'], prefilter: /onOneServer|withoutOverlapping/, include: (path, facts) => isAppCode(path, facts) },
  checkFile({ facts, file, report }) {
    const laravel = laravelOf(facts);
    if (!laravel) return;
    const anchors = file.nodesAt(ANCHORS);
    const calls = lockCalls(file.root, anchors);
    if (!calls.length) return;
    const explicit = useCacheStore(anchors);
    const { name, decidedBy } = explicit ? { name: explicit, decidedBy: undefined as Val | undefined } : scheduleLockStore(laravel);
    if (!name) return;
    const driverVal = cacheStoreDriver(laravel, name);
    const driver = str(driverVal);
    if (!driver || !LOCAL_CACHE_DRIVERS.has(driver)) return;
    const related = [decidedBy, driverVal]
      .filter((v): v is Val => !!v && !v.origin.file.startsWith('('))
      .map((v) => ({ file: v.origin.file, line: v.origin.line, message: v === driverVal ? `store '${name}' has driver '${driver}'` : `the schedule lock store is '${name}' (${v.origin.note})` }));
    // The config fix adds nothing to config: a hard-coded cache.schedule_store hides the scheduler's own env
    // fallback (SCHEDULE_CACHE_DRIVER, SCHEDULE_CACHE_STORE on 11+), so it is made to read that variable; a
    // hard-coded cache.default is made to read the cache store variable. A ->useCache() in code is not fixed here.
    const schedStore = laravel.config.get('cache.schedule_store');
    const setting = decidedBy && schedStore && sameOrigin(decidedBy, schedStore) ? 'cache.schedule_store' : 'cache.default';
    const fix = decidedBy ? readEnvFix(laravel, setting, decidedBy) : undefined;
    const key = decidedBy ? envKeyOf(decidedBy) : undefined;
    const remediation = explicit
      ? `This task picks the '${name}' store with ->useCache(): pass a shared store (e.g. ->useCache('redis')).`
      : key
        ? `Set ${key}=redis in production's environment (this app decides the schedule lock store with ${key}), with every node on the same Redis.`
        : fix
          ? `${setting} is hard-coded in ${decidedBy!.origin.file}:${decidedBy!.origin.line}: make it read ${fix.key} (statelint --fix --unsafe-fixes does it), then set ${fix.key}=redis in production.`
          : undefined;
    for (const node of calls) {
      report({
        node,
        remediation,
        fix: fix?.fix,
        message: `->${node.text}() locks in the '${name}' cache store, whose '${driver}' driver is per server: every node still runs this task.`,
        related: related.filter((r, i) => related.findIndex((x) => x.file === r.file && x.line === r.line) === i),
      });
    }
  },
});

function sameOrigin(a: Val, b: Val): boolean {
  return a.origin.file === b.origin.file && a.origin.line === b.origin.line && a.origin.column === b.origin.column;
}
