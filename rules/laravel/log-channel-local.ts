import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { defineRule } from '../../src/engine/rule.js';
import type { LaravelFacts } from '../../src/ecosystems/laravel/facts.js';
import type { Val } from '../../src/engine/values.js';
import { envKeyOf, readEnvFix, remediationFor } from './support/config-fix.js';
import { display, str } from './support/config.js';

/** Monolog handlers that write to a file path. */
const FILE_HANDLERS = /(^|\\)(StreamHandler|RotatingFileHandler)$/;

interface LocalLeaf {
  channel: string;
  /** The value that selected this channel (default channel, or an entry of a stack's channel list). */
  selectedBy: Val;
  target: string;
  chain: string[];
}

function localLeaves(laravel: LaravelFacts, name: string, selectedBy: Val, chain: string[], seen: Set<string>): LocalLeaf[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const channel = laravel.config.get(`logging.channels.${name}`);
  if (!channel || channel.t !== 'array') return [];
  const driver = str(laravel.config.get(`logging.channels.${name}.driver`));
  const path = laravel.config.get(`logging.channels.${name}.path`);
  if (driver === 'stack') {
    const members = laravel.config.get(`logging.channels.${name}.channels`);
    if (!members || members.t !== 'array') return [];
    return members.entries.flatMap((e) => {
      const member = str(e.value);
      return member ? localLeaves(laravel, member.trim(), e.value, [...chain, `${name} (stack)`], seen) : [];
    });
  }
  // A single channel pointed at php://stdout or php://stderr is how containers log: not a file.
  if (driver === 'single' && /^php:\/\/(stderr|stdout|output)$/.test(str(path) ?? '')) return [];
  if (driver === 'single' || driver === 'daily') return [{ channel: name, selectedBy, target: `${driver} file ${display(path)}`, chain }];
  if (driver === 'monolog') {
    const handler = str(laravel.config.get(`logging.channels.${name}.handler`));
    if (!handler || !FILE_HANDLERS.test(handler)) return [];
    const stream =
      str(laravel.config.get(`logging.channels.${name}.with.stream`)) ??
      str(laravel.config.get(`logging.channels.${name}.handler_with.stream`)) ??
      str(laravel.config.get(`logging.channels.${name}.with.filename`));
    if (!stream || /^php:\/\/(stderr|stdout|output)$/.test(stream)) return [];
    return [{ channel: name, selectedBy, target: `${handler.split('\\').pop()} to ${stream}`, chain }];
  }
  return [];
}

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
      'custom cloud handler (CloudWatch, Datadog, ...). With a stack, list only shared channels in LOG_STACK.',
    examples: { bad: '# .env\nLOG_CHANNEL=stack\nLOG_STACK=single', good: '# .env\nLOG_CHANNEL=stderr' },
    fixable: 'unsafe',
  },

  check({ facts, report }) {
    const laravel = laravelOf(facts);
    const def = laravel?.config.get('logging.default');
    const name = str(def);
    if (!laravel || !def || !name) return;
    for (const leaf of localLeaves(laravel, name, def, [], new Set())) {
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
