import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { defineRule } from '../../src/engine/rule.js';
import { isAppCode } from './support/paths.js';
import { scheduledTasks } from './support/schedule.js';
import { onOneServerEdit, onOneServerFix } from './support/schedule-fix.js';

const ANCHORS = /\b(?:command|job|call|exec)\s*\(/;
/** Housekeeping of a server's own temp files must run on every server; onOneServer() would be wrong there. */
const PER_SERVER_HOUSEKEEPING = /(?:^|[^a-z])(?:temp|tmp)(?:[^a-z]|$)|temp-?files/i;

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
      'Tasks that clean a server\'s own temp files are meant to run everywhere and are not reported.',
    examples: {
      bad: "$schedule->command('reports:send')->daily();",
      good: "$schedule->command('reports:send')->daily()->onOneServer();",
    },
    fixable: 'safe',
  },

  files: { languages: ['php'], prefilter: /\bSchedule\b/, include: (path, facts) => isAppCode(path, facts) },
  checkFile({ facts, file, report }) {
    const tasks = scheduledTasks(file.root, file.nodesAt(ANCHORS));
    const housekeeping = (t: (typeof tasks)[number]) => PER_SERVER_HOUSEKEEPING.test(t.label);
    for (const task of tasks) {
      if (task.coveredByGroup || task.chain.some((c) => c.name === 'onOneServer')) continue;
      if (housekeeping(task)) continue;
      // A group that also holds per-server housekeeping keeps running everywhere: lock the task itself.
      const group = task.group && !tasks.some((t) => t.group?.id === task.group!.id && housekeeping(t)) ? task.group : undefined;
      report({
        node: task.nameNode,
        message: `Scheduled ${task.label} has no ->onOneServer(): it runs on every server that runs schedule:run.`,
        fix: onOneServerFix(laravelOf(facts), file.path, onOneServerEdit(file, { call: task.call, group })),
      });
    }
  },
});
