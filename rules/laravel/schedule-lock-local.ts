import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { defineRule } from '../../src/engine/rule.js';
import { isAppCode } from './support/paths.js';
import type { Val } from '../../src/engine/values.js';
import { cacheStoreDriver, LOCAL_CACHE_DRIVERS, scheduleLockStore, str } from './support/config.js';
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
    fixable: false,
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
    for (const node of calls) {
      report({
        node,
        message: `->${node.text}() locks in the '${name}' cache store, whose '${driver}' driver is per server: every node still runs this task.`,
        related: related.filter((r, i) => related.findIndex((x) => x.file === r.file && x.line === r.line) === i),
      });
    }
  },
});
