import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { defineRule } from '../../src/engine/rule.js';
import { DEV_FILE } from '../../src/ecosystems/deploy/model.js';
import { deployOf } from './support/app.js';

/** Artisan commands of the framework and common packages: anything else is the app's own (it may cache config). */
const FRAMEWORK_COMMAND = /^(?:migrate|db|queue|schedule|horizon|storage|key|route|view|event|config|cache|optimize|serve|octane|package|vendor|down|up|tinker|reverb|pulse|telescope|passport|scout|livewire|filament|icons|about|list|help|env|clear-compiled|inspire|make|model|lang|stub|test|sail|nightwatch|websockets|wayfinder)(?::|$)/;

function customArtisan(text: string): boolean {
  return [...text.matchAll(/\bartisan["',\s]+([\w:-]+)/g)].some((m) => !FRAMEWORK_COMMAND.test(m[1]));
}

export default defineRule({
  meta: {
    id: 'deploy/config-not-cached',
    ecosystem: 'deploy',
    category: 'deployment',
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
      // A development image is meant to re-read its config (not a production image).
      if (DEV_FILE.test(df.file)) continue;
      // A start script that is not in the repository may cache the config: unknown, never a guess.
      if (df.unreadScripts?.length) continue;
      const users = deploy.workloads.filter((w) => w.dockerfiles.includes(df.file));
      // The start runs an app-defined artisan command: it may cache the config itself (never a guess).
      const runtime = [...df.lines, ...users.flatMap((w) => w.lines)].filter((l) => l.runtime);
      // execline scripts (s6-overlay) put `php`, `artisan` and the command on separate lines: judge each file whole.
      const byFile = new Map<string, string[]>();
      for (const l of runtime) byFile.set(l.loc.file, [...(byFile.get(l.loc.file) ?? []), l.text.trim()]);
      if ([...byFile.values()].some((texts) => customArtisan(texts.join(' ')))) continue;
      // serversideup/php images run `php artisan config:cache` at start when AUTORUN_ENABLED=true (their Laravel
      // automations), unless AUTORUN_LARAVEL_CONFIG_CACHE=false.
      const envOf = (k: string) => [...df.env, ...users.flatMap((w) => w.env)].filter((e) => e.key === k).map((e) => (e.value ?? '').toLowerCase());
      if (/\bserversideup\/php\b/i.test(df.base ?? '') && envOf('AUTORUN_ENABLED').includes('true') && !envOf('AUTORUN_LARAVEL_CONFIG_CACHE').includes('false')) continue;
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
