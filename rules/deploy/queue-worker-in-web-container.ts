import { QUEUE_WORKER, WEB_PROCESS } from '../../src/ecosystems/deploy/model.js';
import { defineRule } from '../../src/engine/rule.js';
import { deployOf, inRoleBranch, production } from './support/app.js';

export default defineRule({
  meta: {
    id: 'deploy/queue-worker-in-web-container',
    ecosystem: 'deploy',
    category: 'deployment',
    severity: 'info',
    summary: '`queue:work` or Horizon started inside the web workload',
    why:
      'Workers started next to the web server (supervisord, an entrypoint `&`, a Procfile line on Elastic Beanstalk) ' +
      'scale with web traffic instead of queue length, compete with requests for CPU and memory, and are killed with ' +
      'the web pod on every scale-in or deploy, mid-job.',
    remediation:
      'Run workers in their own workload (a Deployment, a Compose service, an Elastic Beanstalk worker environment) ' +
      'scaled on queue length, with a termination grace period longer than the longest job.',
    examples: {
      bad: '[program:worker]\ncommand=php /var/www/artisan queue:work   ; in the web image, next to php-fpm',
      good: '# Deployment worker\ncommand: ["php", "artisan", "queue:work", "--max-time=3600"]',
    },
    fixable: false,
  },

  check({ facts, report }) {
    const deploy = deployOf(facts);
    if (!deploy) return;
    const reported = new Set<string>();
    for (const w of production(deploy)) {
      if (!w.app || !w.web) continue;
      for (const [i, l] of w.lines.entries()) {
        if (!l.runtime || !QUEUE_WORKER.test(l.text) || /horizon:(?:terminate|publish|install)|queue:restart/.test(l.text)) continue;
        // One image, web or worker by a variable (Lychee's LYCHEE_MODE): the worker branch is not known to run here.
        if (inRoleBranch(w.lines, i)) continue;
        // A Compose service whose own command is the worker is a worker container: the ports it publishes (inherited
        // from a YAML anchor, as in Sail stacks: monica's laravel.queue is `<<: *app` plus a command) reach no server.
        if (w.platform === 'compose' && /^service \S+ (?:command|entrypoint)$/.test(l.source) && !w.lines.some((x) => x.runtime && WEB_PROCESS.test(x.text))) continue;
        const at = `${l.loc.file}:${l.loc.line}`;
        if (reported.has(at)) continue;
        reported.add(at);
        report({ location: l.loc, message: `A queue worker starts inside the web workload ${w.id} (${l.source}): workers scale with web traffic and die with web pods.` });
      }
    }
  },
});
