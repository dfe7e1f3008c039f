import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { hitsInCode } from '../../src/lang/php-text.js';
import { defineRule } from '../../src/engine/rule.js';
import { isAppCode } from './support/paths.js';
import { callArgs } from '../../src/lang/php.js';
import { scheduledTasks } from './support/schedule.js';
import { onOneServerEdit, onOneServerFix } from './support/schedule-fix.js';
import { cacheStoreDriver, LOCAL_CACHE_DRIVERS, scheduleLockStore, str } from './support/config.js';
import type { LaravelFacts } from '../../src/ecosystems/laravel/facts.js';

/** For a task with ->withoutOverlapping(): its lock store is per server too (reported here, once per task). */
function localLockNote(laravel: LaravelFacts | undefined): string {
  if (!laravel) return '';
  const { name } = scheduleLockStore(laravel);
  const driver = name ? str(cacheStoreDriver(laravel, name)) : undefined;
  return name && driver && LOCAL_CACHE_DRIVERS.has(driver) ? ` (its ->withoutOverlapping() lock is in the '${name}' cache store, whose '${driver}' driver is per server)` : '';
}

const ANCHORS = /\b(?:command|job|call|exec)\s*\(/;
/**
 * Housekeeping of a server's own files must run on every server; onOneServer() would be wrong there: temp files,
 * pion/laravel-chunk-upload's `uploads:clear` (the chunk folder under storage/app), SSH multiplexing sockets.
 * So must the queue worker an app starts from its scheduler on each server (freescout: `queue:work` every minute,
 * `queue:restart` hourly): it works for this server, and with a per-server cache the restart signal is per server too.
 */
const PER_SERVER_HOUSEKEEPING = /(?:^|[^a-z])(?:temp|tmp)(?:[^a-z]|$)|temp-?files|'uploads:clear'|Multiplexed|ssh-mux|'(?:[^']*\bartisan\s+)?queue:(?:work|listen|restart)\b/i;

export default defineRule({
  meta: {
    id: 'laravel/schedule-missing-one-server',
    ecosystem: 'laravel',
    category: 'scheduler',
    severity: 'warning',
    summary: 'A scheduled task runs on every server (no ->onOneServer())',
    why:
      'Every node runs `php artisan schedule:run` from its own cron, so each scheduled task runs once per server: ' +
      'reports are mailed three times, invoices charged twice, cleanup jobs race each other.',
    remediation:
      'Chain ->onOneServer() on tasks that must run once per cluster (or on a Schedule::...->onOneServer()->group()), and ' +
      'make the default cache (or SCHEDULE_CACHE_STORE) a shared store such as redis, memcached, dynamodb or database. ' +
      'Tasks that clean a server\'s own temp files, and queue workers started from the schedule, are meant to run ' +
      'everywhere and are not reported.',
    examples: {
      bad: "$schedule->command('reports:send')->daily();",
      good: "$schedule->command('reports:send')->daily()->onOneServer();",
    },
    fixable: 'safe',
  },

  files: {
    languages: ['php'],
    prefilter: /Schedule\b/,
    include: (path, facts) => isAppCode(path, facts),
    // The scheduler is recognised by code (a type, the facade, withSchedule): "Schedule" in prose (a translation
    // file's UI strings) cannot hold a task, and such files are not parsed.
    mayReport: (text) => hitsInCode(text, /Schedule\b/g),
  },
  checkFile({ facts, file, report }) {
    const tasks = scheduledTasks(file.root, file.nodesAt(ANCHORS));
    // What the task does: its label, the callback's text (closures), and its ->name('...').
    const housekeeping = (t: (typeof tasks)[number]) =>
      PER_SERVER_HOUSEKEEPING.test(t.label) ||
      (t.method === 'call' && PER_SERVER_HOUSEKEEPING.test(callArgs(t.call)[0]?.value.text ?? '')) ||
      t.chain.some((c) => c.name === 'name' && c.node.parent && PER_SERVER_HOUSEKEEPING.test(c.node.parent.text.slice(c.node.parent.text.lastIndexOf('->name('))));
    for (const task of tasks) {
      if (task.coveredByGroup || task.chain.some((c) => c.name === 'onOneServer')) continue;
      if (housekeeping(task)) continue;
      // A group that also holds per-server housekeeping keeps running everywhere: lock the task itself.
      const group = task.group && !tasks.some((t) => t.group?.id === task.group!.id && housekeeping(t)) ? task.group : undefined;
      const overlap = task.chain.some((c) => c.name === 'withoutOverlapping') ? localLockNote(laravelOf(facts)) : '';
      report({
        node: task.nameNode,
        message: `Scheduled ${task.label} has no ->onOneServer(): it runs on every server that runs schedule:run${overlap}.`,
        fix: onOneServerFix(laravelOf(facts), file.path, onOneServerEdit(file, { call: task.call, group })),
      });
    }
  },
});
