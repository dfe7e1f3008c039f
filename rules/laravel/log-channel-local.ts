import { appLogTarget } from '../../src/ecosystems/laravel/app-log.js';
import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { defineRule } from '../../src/engine/rule.js';
import type { LaravelFacts } from '../../src/ecosystems/laravel/facts.js';
import type { Val } from '../../src/engine/values.js';
import { envKeyOf, readEnvFix, remediationFor } from './support/config-fix.js';
import { str } from './support/config.js';
import { localLeaves, type LocalLeaf } from './support/log-channels.js';

export default defineRule({
  meta: {
    id: 'laravel/log-channel-local',
    ecosystem: 'laravel',
    category: 'logs',
    severity: 'warning',
    summary: 'The default log channel writes to local files',
    why:
      'With single or daily file channels every node writes its own storage/logs/laravel.log. Debugging a request means ' +
      'finding which server served it, logs vanish with the server, and disks fill up unnoticed.',
    remediation:
      'Log to stderr (LOG_CHANNEL=stderr) and let the platform collect it, or to syslog, errorlog, papertrail, slack or a ' +
      'custom cloud handler (CloudWatch, Datadog, ...). With a stack, list only shared channels in LOG_STACK. ' +
      "Laravel 5.5 and earlier read config/app.php's 'log' (APP_LOG) instead: errorlog or syslog, not single or daily.",
    examples: { bad: '# .env\nLOG_CHANNEL=stack\nLOG_STACK=single', good: '# .env\nLOG_CHANNEL=stderr' },
    fixable: 'unsafe',
  },

  check({ facts, report }) {
    const laravel = laravelOf(facts);
    if (!laravel) return;
    // Laravel 5.5 and earlier: config('app.log') decides, config/logging.php does not exist for the framework.
    const legacy = appLogTarget(laravel);
    if (legacy) {
      if (!legacy.file || !legacy.setting) return;
      report({
        value: legacy.setting,
        remediation:
          remediationFor(laravel, 'app.log', legacy.setting, 'errorlog', " (PHP's error_log, collected by the platform; syslog works too)") ??
          `Make config('app.log') errorlog or syslog in production (${legacy.setting.origin.file}:${legacy.setting.origin.line}), or upgrade to Laravel 5.6+ and log to stderr.`,
        fix: readEnvFix(laravel, 'app.log', legacy.setting)?.fix,
        message: `Logs are written to local files: app.log = ${legacy.name} (Laravel ${laravel.version ?? '5.5 or earlier'} reads config/app.php, not config/logging.php) writes ${legacy.file} on each server.`,
      });
      return;
    }
    const def = laravel?.config.get('logging.default');
    const name = str(def);
    if (!def || !name) return;
    for (const leaf of localLeaves(laravel, name, def)) {
      const route = [`logging.default = ${name}`, ...leaf.chain.slice(1), `channel '${leaf.channel}'`].join(' -> ');
      report({
        value: leaf.selectedBy,
        // Only the default channel itself has one env variable to point elsewhere; a stack member is edited in the stack.
        ...(leaf.selectedBy === def
          ? { remediation: remediationFor(laravel, 'logging.default', def, 'stderr', ' (and collect stderr on the platform)'), fix: readEnvFix(laravel, 'logging.default', def)?.fix }
          : { remediation: stackAdvice(laravel, def, leaf) }),
        message: `Logs are written to local files: ${route} writes a ${leaf.target} on each server.`,
        related: leaf.selectedBy === def || def.origin.file.startsWith('(') ? [] : [{ file: def.origin.file, line: def.origin.line, message: `logging.default = ${name} (${def.origin.note})` }],
      });
    }
  },
});

/** A stack member chose the file channel: name where it is listed and the app's own default-channel variable. */
function stackAdvice(laravel: LaravelFacts, def: Val, leaf: LocalLeaf): string {
  const o = leaf.selectedBy.origin;
  const where = o.fromEnv ? `${o.note} in ${o.file}` : `${o.file}:${o.line}`;
  const key = envKeyOf(def);
  return `Drop '${leaf.channel}' from the stack (${where}) in favour of a shared channel such as stderr${key ? `, or set ${key}=stderr in production` : ''}.`;
}
