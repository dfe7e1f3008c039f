import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { describeOrigin } from '../../src/engine/values.js';
import { defineRule } from '../../src/engine/rule.js';
import { display, str } from './support/config.js';
import { readEnvFix, remediationFor } from './support/config-fix.js';
import { isAppCode } from './support/paths.js';
import { sqliteBackedFinding } from './support/sqlite.js';
import type { SyntaxNode } from '../../src/lang/php.js';

const LOCAL_DRIVERS = new Set(['file', 'array', 'apc']);

const OTHER_SUPERGLOBALS = /^\$_(?:GET|POST|COOKIE|SERVER|ENV|FILES|REQUEST)$/;

/**
 * An error page or debug dump that lists every superglobal (Whoops' PrettyPageHandler, which freescout keeps a
 * patched copy of under overrides/) shows $_SESSION beside $_GET and $_SERVER: it keeps no state in it.
 */
function inSuperglobalDump(node: SyntaxNode): boolean {
  // A read of one key ($_SESSION['cart']) is a use of the session, whatever sits beside it.
  const whole = (v: SyntaxNode) => v.parent?.type !== 'subscript_expression';
  if (!whole(node)) return false;
  for (let n = node.parent; n && n.type !== 'expression_statement' && n.type !== 'return_statement'; n = n.parent) {
    if (n.type !== 'array_creation_expression') continue;
    return n.descendantsOfType('variable_name').some((v) => !!v && OTHER_SUPERGLOBALS.test(v.text) && whole(v));
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'laravel/session-store-local',
    ecosystem: 'laravel',
    category: 'sessions',
    severity: 'error',
    summary: 'Sessions are kept on one server (file, array or apc driver, or native PHP sessions)',
    why:
      'With the file driver each server keeps its own storage/framework/sessions folder, so a user whose next request ' +
      'lands on another node has no session there and is logged out at random; array keeps sessions only for one ' +
      'request and apc only in one server\'s memory. Native session_start()/$_SESSION bypasses Laravel and writes to ' +
      'the PHP session.save_path on local disk.',
    remediation:
      'Set SESSION_DRIVER=redis (or database on a shared server, memcached, dynamodb, or cookie) in production, and ' +
      'point every node at the same store. Replace session_start()/$_SESSION with Laravel\'s session() helper.',
    examples: {
      bad: "# .env\nSESSION_DRIVER=file",
      good: "# .env\nSESSION_DRIVER=redis\nSESSION_CONNECTION=default",
    },
    fixable: 'unsafe',
  },

  check({ facts, report }) {
    const laravel = laravelOf(facts);
    const driver = laravel?.config.get('session.driver');
    const name = str(driver);
    // database sessions on a local SQLite file (support/sqlite.ts)
    const sqlite = laravel && driver && name === 'database' ? sqliteBackedFinding(laravel, driver, { label: 'Sessions', key: 'session.driver', connectionKey: 'session.connection', consequence: 'a user routed to another node is logged out.' }) : undefined;
    if (sqlite) return report(sqlite);
    if (!laravel || !driver || !name || !LOCAL_DRIVERS.has(name)) return;
    const where = name === 'file' ? ` (${display(laravelOf(facts)?.config.get('session.files'))})` : '';
    report({
      value: driver,
      remediation: remediationFor(laravel, 'session.driver', driver, 'redis', ' (with every node on the same Redis)'),
      fix: readEnvFix(laravel, 'session.driver', driver)?.fix,
      message: `Sessions are stored with the '${name}' driver${where} (session.driver = ${name}: ${describeOrigin(driver)}): a user routed to another node is logged out.`,
    });
  },

  files: {
    languages: ['php', 'blade'],
    prefilter: /session_start|\$_SESSION/,
    include: (path, facts) => isAppCode(path, facts),
  },
  checkFile({ file, report }) {
    const linesReported = new Set<number>();
    for (const node of file.nodesAt(/session_start\s*\(|\$_SESSION\b/)) {
      if (node.type === 'name' && node.text === 'session_start' && node.parent?.type === 'function_call_expression') {
        report({ node: node.parent, message: 'session_start() starts a native PHP session stored in this server\'s session.save_path: other nodes cannot see it.' });
      } else if (node.type === 'variable_name' && node.text === '$_SESSION') {
        if (inSuperglobalDump(node)) continue;
        // `isset($_SESSION['x']) ? $_SESSION['x'] : null` is one use of the session, not two.
        if (linesReported.has(node.startPosition.row)) continue;
        linesReported.add(node.startPosition.row);
        report({ node, message: '$_SESSION reads a native PHP session stored on this server\'s disk: other nodes cannot see it.' });
      }
    }
  },
});
