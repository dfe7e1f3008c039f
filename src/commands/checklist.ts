import type { Category, Finding } from '../engine/finding.js';
import type { LaravelFacts } from '../engine/project-facts.js';
import { display, type Val } from '../engine/values.js';
import type { ChecklistItem, CheckStatus } from '../report/model.js';

interface Row {
  category: Category;
  label: string;
  value(l: LaravelFacts, findings: Finding[]): { text: string; known: boolean };
}

const str = (v: Val | undefined) => (v?.t === 'scalar' && typeof v.v === 'string' ? v.v : undefined);

function keyed(key: string, driverOf?: (l: LaravelFacts, name: string) => string): Row['value'] {
  return (l) => {
    const v = l.config.get(key);
    const name = str(v);
    if (!name) return { text: `${key} = ${display(v)}`, known: false };
    const driver = driverOf?.(l, name);
    return { text: `${key} = ${name}${driver && driver !== name ? ` (driver ${driver})` : ''}`, known: true };
  };
}

const ROWS: Row[] = [
  { category: 'sessions', label: 'Sessions', value: keyed('session.driver') },
  { category: 'cache', label: 'Cache', value: keyed('cache.default', (l, n) => display(l.config.get(`cache.stores.${n}.driver`))) },
  { category: 'uploads', label: 'Uploaded files', value: keyed('filesystems.default', (l, n) => display(l.config.get(`filesystems.disks.${n}.driver`))) },
  { category: 'logs', label: 'Logs', value: keyed('logging.default') },
  {
    category: 'config',
    label: 'Configuration',
    value: (_l, findings) => {
      const n = findings.filter((f) => f.ruleId === 'laravel/env-outside-config').length;
      return { text: n ? `${n} env() call${n === 1 ? '' : 's'} outside config` : 'no env() outside config', known: true };
    },
  },
  {
    category: 'scheduler',
    label: 'Scheduled tasks',
    value: (_l, findings) => {
      const n = findings.filter((f) => f.ruleId === 'laravel/schedule-missing-one-server').length;
      const locks = findings.filter((f) => f.ruleId === 'laravel/schedule-lock-local').length;
      const parts = [n ? `${n} without onOneServer()` : 'every task on one server', ...(locks ? [`${locks} lock${locks === 1 ? '' : 's'} in a local store`] : [])];
      return { text: parts.join(', '), known: true };
    },
  },
  { category: 'database', label: 'Database', value: keyed('database.default', (l, n) => display(l.config.get(`database.connections.${n}.driver`))) },
];

/** pass / fail / unknown per category, with the resolved value (computed here, not in formatters). */
export function laravelChecklist(laravel: LaravelFacts, findings: Finding[]): ChecklistItem[] {
  return ROWS.map((row) => {
    const { text, known } = row.value(laravel, findings);
    const failing = findings.some((f) => f.category === row.category && f.severity !== 'info');
    const status: CheckStatus = failing ? 'fail' : known ? 'pass' : 'unknown';
    return { category: row.category, label: row.label, status, value: text };
  });
}
