import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { defineRule } from '../../src/engine/rule.js';
import { deployOf } from './support/app.js';

export default defineRule({
  meta: {
    id: 'deploy/config-not-cached',
    ecosystem: 'deploy',
    category: 'config',
    severity: 'warning',
    summary: 'A Laravel image whose build or start never runs `php artisan config:cache` (or `optimize`)',
    why:
      'Without a config cache every request re-reads .env and the config files on the node that serves it, so a node ' +
      'with a stale or missing .env behaves differently from the others, and env() calls outside config/ keep ' +
      '"working" on one node and not on another. With config:cache, the configuration is fixed when the container starts ' +
      'and env() outside config/ returns null everywhere, which surfaces those bugs before production.',
    remediation:
      'Run `php artisan config:cache` (or `php artisan optimize`) in the container entrypoint, after the environment is ' +
      'in place (not at image build time, which would bake the build environment into the image).',
    examples: {
      bad: '# docker/entrypoint.sh\nphp artisan migrate --force\nexec php-fpm',
      good: '# docker/entrypoint.sh\nphp artisan config:cache\nphp artisan migrate --force\nexec php-fpm',
    },
    fixable: false,
  },

  check({ facts, report }) {
    const deploy = deployOf(facts);
    if (!deploy) return;
    const isLaravel = !!laravelOf(facts);
    for (const df of deploy.dockerfiles) {
      if (!df.app || !(df.laravel || (isLaravel && df.lines.some((l) => /\bcomposer\b|\bphp\b/i.test(l.text)))) ) continue;
      const users = deploy.workloads.filter((w) => w.dockerfiles.includes(df.file));
      const cached = deploy.configCache.some((l) => l.loc.file === df.file || df.lines.some((d) => d.loc.file === l.loc.file) || users.some((w) => w.lines.includes(l)));
      if (cached) continue;
      report({
        location: df.from,
        message: `This Laravel image (${df.file}) never runs php artisan config:cache or optimize: not while it is built, not in its entrypoint or start scripts${users.length ? `, not in the manifests of ${users.map((w) => w.id).join(', ')}` : ''}.`,
      });
    }
    if (!isLaravel) return;
    for (const w of deploy.workloads) {
      if (w.platform !== 'elasticbeanstalk' || w.dockerfiles.length) continue;
      if (w.lines.some((l) => deploy.configCache.includes(l))) continue;
      report({ location: w.loc, message: `The Elastic Beanstalk environment ${w.id} never runs php artisan config:cache or optimize (no container_commands, .platform hook or Procfile line does).` });
    }
  },
});
