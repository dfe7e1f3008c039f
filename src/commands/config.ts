import type { ChalkInstance } from 'chalk';
import { display } from '../engine/values.js';
import { isSecretKey } from '../project/env-files.js';
import { scheduleLockStore } from '../../rules/laravel/support/config.js';
import { loadProject, REPORTED_KEYS, resolveRoot, type AuditOptions } from './audit.js';
import { UsageError } from './errors.js';

/** `statelint config`: the values that decide where state lives, each with the line it came from. */
export async function printConfig(opts: AuditOptions, format: 'pretty' | 'json' | 'sarif', c: ChalkInstance): Promise<string> {
  const root = resolveRoot(opts.path);
  const { laravel } = await loadProject(root, opts);
  if (!laravel) throw new UsageError(`No Laravel project found in ${opts.path} (no artisan file and no laravel/framework in composer.json)`);
  const rows: { key: string; value: string; source: string }[] = [];
  const add = (key: string, v: ReturnType<typeof laravel.config.get>) => {
    if (!v) return rows.push({ key, value: '(not set)', source: '' });
    const value = isSecretKey(key.split('.').pop() ?? '') ? '<redacted>' : display(v);
    // Framework defaults point at composer.json in findings; here the note alone says it better.
    const fromFramework = !v.origin.fromEnv && v.origin.file === laravel.anchor.file && v.origin.line === laravel.anchor.line;
    const source = v.origin.file.startsWith('(') || fromFramework ? `(${laravel.major ? `Laravel ${laravel.major} ` : ''}framework default) ${v.origin.note.startsWith('Laravel') ? '' : v.origin.note}`.trim() : `${v.origin.file}:${v.origin.line}  ${v.origin.note}`;
    rows.push({ key, value, source });
  };
  for (const key of REPORTED_KEYS) add(key, laravel.config.get(key));
  const store = laravel.config.get('cache.default');
  const storeName = store?.t === 'scalar' ? String(store.v) : undefined;
  if (storeName) add(`cache.stores.${storeName}.driver`, laravel.config.get(`cache.stores.${storeName}.driver`));
  const disk = laravel.config.get('filesystems.default');
  if (disk?.t === 'scalar') add(`filesystems.disks.${disk.v}.driver`, laravel.config.get(`filesystems.disks.${disk.v}.driver`));
  const conn = laravel.config.get('database.default');
  if (conn?.t === 'scalar') add(`database.connections.${conn.v}.driver`, laravel.config.get(`database.connections.${conn.v}.driver`));
  const lock = scheduleLockStore(laravel);
  if (lock.decidedBy) add('scheduler lock store', lock.decidedBy);
  if (format === 'json') {
    return `${JSON.stringify({ laravel: { version: laravel.version ?? null, configDirs: laravel.configDirs, envFiles: laravel.envFiles }, values: rows }, null, 2)}\n`;
  }
  const width = Math.max(...rows.map((r) => r.key.length));
  const valueWidth = Math.min(40, Math.max(...rows.map((r) => r.value.length)));
  const head = `${c.bold('Laravel')} ${laravel.version ?? '(version unknown)'}  config: ${laravel.configDirs.join(', ')}  env: ${laravel.envFiles.join(', ') || '(none)'}`;
  return `${[head, ...rows.map((r) => `  ${r.key.padEnd(width)}  ${r.value.padEnd(valueWidth)}  ${c.dim(r.source)}`)].join('\n')}\n`;
}
