import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { describeOrigin } from '../../src/engine/values.js';
import { defineRule } from '../../src/engine/rule.js';
import type { RelatedLocation } from '../../src/engine/finding.js';
import { readEnvFix, remediationFor } from './support/config-fix.js';
import { str } from './support/config.js';

export default defineRule({
  meta: {
    id: 'laravel/database-local-sqlite',
    ecosystem: 'laravel',
    category: 'database',
    severity: 'error',
    summary: 'The default database connection is a SQLite file on local disk',
    why:
      'Laravel 11+ skeletons default to database/database.sqlite. Each server then has its own database: users, orders, ' +
      'and everything kept with the database driver (sessions, cache, queue jobs, locks) exist only on the node that wrote them.',
    remediation: 'Use a database server every node reaches (DB_CONNECTION=mysql, mariadb or pgsql with DB_HOST) in production.',
    examples: { bad: '# .env\nDB_CONNECTION=sqlite', good: '# .env\nDB_CONNECTION=pgsql\nDB_HOST=db.internal' },
    fixable: 'unsafe',
  },

  check({ facts, report }) {
    const laravel = laravelOf(facts);
    const conn = laravel?.config.get('database.default');
    const name = str(conn);
    if (!laravel || !conn || !name) return;
    if (str(laravel.config.get(`database.connections.${name}.driver`)) !== 'sqlite') return;
    const url = str(laravel.config.get(`database.connections.${name}.url`));
    if (url) return; // a URL can point at a remote libSQL/Turso server; not a local file we can vouch for
    const database = laravel.config.get(`database.connections.${name}.database`);
    const file = str(database);
    if (file === ':memory:') return;
    const users: RelatedLocation[] = [];
    for (const [key, label] of [['session.driver', 'sessions'], ['queue.default', 'queue jobs']] as const) {
      const v = laravel.config.get(key);
      if (str(v) === 'database' && v && !v.origin.file.startsWith('(')) users.push({ file: v.origin.file, line: v.origin.line, message: `${label} are stored in this database (${v.origin.note})` });
    }
    const cacheStore = str(laravel.config.get('cache.default'));
    const cacheVal = laravel.config.get('cache.default');
    if (cacheStore && str(laravel.config.get(`cache.stores.${cacheStore}.driver`)) === 'database' && cacheVal && !cacheVal.origin.file.startsWith('(')) {
      users.push({ file: cacheVal.origin.file, line: cacheVal.origin.line, message: `the cache (and its locks) is stored in this database (${cacheVal.origin.note})` });
    }
    report({
      value: conn,
      remediation: remediationFor(laravel, 'database.default', conn, 'mysql', ' (with DB_HOST pointing at a server every node reaches)'),
      fix: readEnvFix(laravel, 'database.default', conn)?.fix,
      message: `The default database connection '${name}' is SQLite${file ? ` (${file})` : ''} on this server's disk (database.default = ${name}: ${describeOrigin(conn)}): each node has its own data.`,
      related: users.filter((u) => !(u.file === conn.origin.file && u.line === conn.origin.line)),
    });
  },
});
