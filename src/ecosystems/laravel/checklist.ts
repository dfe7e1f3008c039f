import type { Category, Finding } from '../../engine/finding.js';
import type { ChecklistItem, CheckStatus } from '../../engine/report.js';
import { display, type Val } from '../../engine/values.js';
import type { ChecklistContext } from '../types.js';
import type { LaravelFacts } from './facts.js';

interface Row {
  category: Category;
  label: string;
  /** The row rests on reading source files (not only on config values). */
  fromCode?: boolean;
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
    fromCode: true,
    value: (_l, findings) => {
      const n = findings.filter((f) => f.ruleId === 'laravel/env-outside-config').length;
      return { text: n ? `${n} env() call${n === 1 ? '' : 's'} outside config` : 'no env() outside config', known: true };
    },
  },
  {
    category: 'scheduler',
    label: 'Scheduled tasks',
    fromCode: true,
    value: (_l, findings) => {
      const n = findings.filter((f) => f.ruleId === 'laravel/schedule-missing-one-server').length;
      const locks = findings.filter((f) => f.ruleId === 'laravel/schedule-lock-local').length;
      const parts = [n ? `${n} without onOneServer()` : 'every task on one server', ...(locks ? [`${locks} lock${locks === 1 ? '' : 's'} in a local store`] : [])];
      return { text: parts.join(', '), known: true };
    },
  },
  { category: 'queue', label: 'Queue workers', value: keyed('queue.default', (l, n) => display(l.config.get(`queue.connections.${n}.driver`))) },
  { category: 'database', label: 'Database', value: keyed('database.default', (l, n) => display(l.config.get(`database.connections.${n}.driver`))) },
];

/**
 * pass / fail / unknown per category, with the resolved value (computed here, not in formatters).
 * A row passes only when nothing it rests on was hidden or unread: suppressed or baselined findings,
 * a rule turned off, or files that were not analysed make it unknown, and the value says why.
 */
export function laravelChecklist(laravel: LaravelFacts, findings: Finding[], context: ChecklistContext): ChecklistItem[] {
  return ROWS.map((row) => {
    const { text, known } = row.value(laravel, findings);
    const failing = findings.some((f) => f.category === row.category && f.severity !== 'info');
    const hidden = context.suppressed.filter((f) => f.category === row.category).length;
    const off = [...context.disabledRules].filter((id) => context.categoryOf(id) === row.category);
    const unread = row.fromCode ? context.notAnalysed.length : 0;
    const caveats = [
      ...(hidden ? [`${hidden} suppressed`] : []),
      ...(off.length ? [`${off.join(', ')} off`] : []),
      ...(unread ? [`${unread} file${unread === 1 ? '' : 's'} not analysed`] : []),
      ...(row.fromCode && context.partial ? ['partial run: only some files were read'] : []),
      // A broken composer.json/lock leaves the Laravel version, and the defaults under every value, uncertain.
      ...(laravel.metadataProblems?.length ? [`${laravel.metadataProblems.join(' and ')} not read`] : []),
    ];
    const status: CheckStatus = failing ? 'fail' : known && !caveats.length ? 'pass' : 'unknown';
    return { category: row.category, label: row.label, status, value: caveats.length ? `${text} (${caveats.join('; ')})` : text };
  });
}
