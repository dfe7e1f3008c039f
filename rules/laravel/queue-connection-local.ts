import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { describeOrigin } from '../../src/engine/values.js';
import { defineRule } from '../../src/engine/rule.js';
import { str } from './support/config.js';
import { sqliteBackedFinding } from './support/sqlite.js';

export default defineRule({
  meta: {
    id: 'laravel/queue-connection-local',
    ecosystem: 'laravel',
    category: 'queue',
    severity: 'warning',
    summary: 'Queued jobs run inside the web request (sync) or wait in a queue on one server (database on a local SQLite file)',
    why:
      'With the sync driver a dispatched job runs inside the request on whichever node took it: slow work blocks that ' +
      'request, a failure is lost with it, and nothing can be retried or spread over workers. A database queue on a ' +
      'SQLite file keeps the jobs on the node that dispatched them: workers on other nodes never see them, and they ' +
      'are lost with the server. A redis queue on localhost is not reported: whether other nodes reach it cannot be ' +
      'proven from the code.',
    remediation:
      'Set QUEUE_CONNECTION=redis (or sqs, or database on a shared database server) in production and run queue ' +
      'workers (php artisan queue:work) against that shared queue.',
    examples: { bad: '# .env\nQUEUE_CONNECTION=sync', good: '# .env\nQUEUE_CONNECTION=redis' },
    fixable: false,
  },

  check({ facts, report }) {
    const laravel = laravelOf(facts);
    const conn = laravel?.config.get('queue.default');
    const name = str(conn);
    if (!laravel || !conn || !name) return;
    const driverVal = laravel.config.get(`queue.connections.${name}.driver`);
    // A connection the config does not define keeps its conventional meaning only for 'sync'.
    const driver = str(driverVal) ?? (driverVal ? undefined : name === 'sync' ? 'sync' : undefined);
    if (driver === 'sync') {
      const related =
        driverVal && !driverVal.origin.file.startsWith('(') && !(driverVal.origin.file === conn.origin.file && driverVal.origin.line === conn.origin.line) && name !== 'sync'
          ? [{ file: driverVal.origin.file, line: driverVal.origin.line, message: `connection '${name}' has driver 'sync'` }]
          : [];
      report({
        value: conn,
        message: `The default queue connection '${name}' runs jobs synchronously (queue.default = ${name}: ${describeOrigin(conn)}): every job runs inside the web request on whichever node took it, with no worker, retry or shared queue.`,
        related,
      });
      return;
    }
    if (driver === 'database') {
      const finding = sqliteBackedFinding(laravel, conn, {
        label: 'Queued jobs',
        key: 'queue.default',
        connectionKey: `queue.connections.${name}.connection`,
        consequence: 'workers on other nodes never see the jobs this node dispatches.',
      });
      if (finding) report(finding);
    }
  },
});
