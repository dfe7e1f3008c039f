import { defineRule } from '../../src/engine/rule.js';
import { isAppCode } from './support/paths.js';
import { scheduledTasks } from './support/schedule.js';

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
    fixable: false,
  },

  files: { languages: ['php'], prefilter: /\bSchedule\b/, include: (path, facts) => isAppCode(path, facts) },
  checkFile({ file, report }) {
    for (const task of scheduledTasks(file.root, file.nodesAt(ANCHORS))) {
      if (task.coveredByGroup || task.chain.some((c) => c.name === 'onOneServer')) continue;
      if (PER_SERVER_HOUSEKEEPING.test(task.label)) continue;
      report({
        node: task.nameNode,
        message: `Scheduled ${task.label} has no ->onOneServer(): it runs on every server that runs schedule:run.`,
      });
    }
  },
});
