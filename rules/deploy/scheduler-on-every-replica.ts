import { SCHEDULER } from '../../src/ecosystems/deploy/model.js';
import { defineRule } from '../../src/engine/rule.js';
import { deployOf, isMulti, replicasText, production, type Workload } from './support/app.js';

export default defineRule({
  meta: {
    id: 'deploy/scheduler-on-every-replica',
    ecosystem: 'deploy',
    category: 'deployment',
    severity: 'error',
    summary: 'The scheduler (schedule:run, schedule:work, cron, a Node scheduler) starts in every replica',
    why:
      'A scheduler started by the image, an entrypoint, supervisord or a cron file of a multi-replica workload runs in ' +
      'every replica, so every task runs once per replica: duplicate e-mails, double charges, reports sent three times. ' +
      "Laravel's onOneServer() prevents that only for tasks that use it, and only with a cache store every replica shares.",
    remediation:
      'Run the scheduler once: a Kubernetes CronJob (`php artisan schedule:run` every minute, concurrencyPolicy: Forbid), ' +
      'or a dedicated single-replica workload running `php artisan schedule:work`, or an Elastic Beanstalk ' +
      'container_command with leader_only: true. Also add onOneServer() with a shared cache store as a second guard.',
    examples: {
      bad: '# Deployment web, replicas: 3\ncommand: ["sh", "-c", "php artisan schedule:work & php-fpm"]',
      good: 'kind: CronJob\nspec:\n  schedule: "* * * * *"\n  ...\n  command: ["php", "artisan", "schedule:run"]',
    },
    fixable: false,
  },

  check({ facts, report }) {
    const deploy = deployOf(facts);
    if (!deploy) return;
    // One finding per line: a base seen through several overlays names every workload that runs it.
    const byLine = new Map<string, { l: Workload['lines'][number]; ws: Workload[] }>();
    for (const w of production(deploy)) {
      if (!isMulti(w)) continue;
      for (const l of w.lines) {
        if (!l.runtime || !(l.scheduler || SCHEDULER.test(l.text)) || /leader only/.test(l.source)) continue;
        const at = `${l.loc.file}:${l.loc.line}`;
        const e = byLine.get(at) ?? { l, ws: [] };
        if (!e.ws.includes(w)) e.ws.push(w);
        byLine.set(at, e);
      }
    }
    for (const { l, ws } of byLine.values()) {
      const runs = ws.map((w) => `${w.id}, which runs ${replicasText(w)} (${w.replicas.note})`).join('; ');
      report({
        location: l.loc,
        related: ws.map((w) => ({ file: w.replicas.loc.file, line: w.replicas.loc.line, message: `${ws.length > 1 ? `${w.id}: ` : ''}${w.replicas.note}` })),
        message: `The scheduler starts in every replica of ${runs}; from ${l.source}: every task runs once per replica${/schedule:(?:run|work)/.test(l.text) ? ' unless it uses onOneServer() on a shared cache store' : ''}.`,
      });
    }
  },
});
