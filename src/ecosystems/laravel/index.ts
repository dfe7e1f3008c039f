import type { ChalkInstance } from 'chalk';
import { display, type Val } from '../../engine/values.js';
import { terminalSafe } from '../../lang/source-text.js';
import type { EffectiveValue } from '../../engine/report.js';
import { isSecretKey } from '../../project/env-files.js';
import type { ProjectFs } from '../../project/fs.js';
import { discoverRules } from '../rules.js';
import type { Ecosystem, LoadedEcosystem, LoadOptions } from '../types.js';
import { laravelChecklist, MENTIONS_SCHEDULE, SCHEDULE_PROBE, schedulerEvidence } from './checklist.js';
import { scheduleLockStore } from './facts.js';
import { CONFIG_FILES, laravelEvidence, PACKAGE_CONFIG_FILES, type LaravelProject } from './project.js';
import { languageOf } from '../../lang/adapter.js';

/** A PHP file named like a config file the resolver reads, in any folder (useConfigPath and --config-dir move them). */
const CONFIG_FILE_NAME = new RegExp(`(?:^|/)(?:${[...CONFIG_FILES, ...PACKAGE_CONFIG_FILES].join('|')})\\.php$`);

/** Keys shown in effectiveConfig and by `statelint config` (never secrets). */
export const REPORTED_KEYS = [
  'app.name',
  'session.driver',
  'session.connection',
  'session.store',
  'session.cookie',
  'session.lifetime',
  'session.files',
  'cache.default',
  'cache.prefix',
  'filesystems.default',
  'logging.default',
  // Laravel 5.5 and earlier log through config('app.log').
  'app.log',
  'database.default',
  'queue.default',
  'app.maintenance.driver',
  'app.maintenance.store',
];

export const laravel: Ecosystem = {
  id: 'laravel',
  name: 'Laravel',
  signature: 'no artisan file, no laravel/framework in composer.json',
  detect(fs, hints) {
    // --config-dir names a Laravel config folder: the user says this is a Laravel app.
    const evidence = [...laravelEvidence(fs), ...(hints.configDir ? ['--config-dir'] : [])];
    return evidence.length ? { evidence } : undefined;
  },
  async load(fs: ProjectFs, options: LoadOptions): Promise<LoadedEcosystem> {
    // The resolver pulls in the PHP parser: loaded only when a Laravel app is audited.
    const { loadLaravelProject } = await import('./project.js');
    const project = await loadLaravelProject(fs, {
      envFiles: options.envFiles,
      envOverrides: options.env,
      provided: options.environment?.files,
      assume: options.assume,
      targetEnv: options.targetEnv,
      configDir: options.configDir,
      phpFiles: options.files?.filter((f) => f.language === 'php').map((f) => f.path),
    });
    const scheduler = schedulerEvidence(fs, options.files?.filter((f) => f.language === 'php').map((f) => f.path), project.configDirs);
    const configFiles = [...project.envFiles, ...project.configDirs.flatMap((d) => CONFIG_FILES.map((f) => `${d}/${f}.php`))];
    return {
      facts: project,
      info: { version: project.version ?? null, configDirs: project.configDirs, envFiles: project.envFiles },
      errors: project.errors,
      effectiveConfig: () => effectiveConfig(project),
      checklist: (findings, context) => laravelChecklist(project, findings, context, scheduler),
      textProbes: { [SCHEDULE_PROBE]: MENTIONS_SCHEDULE },
      describeConfig: (format, chalk) => describeConfig(project, format, chalk),
      configFiles,
      envPlan: async (findings) => (await import('./env-plan.js')).laravelEnvPlan(project, findings, configFiles),
    };
  },
  // Env files and manifests are not source files; config files are PHP files with the config names.
  mayBeConfigFile: (file) => !languageOf(file) || CONFIG_FILE_NAME.test(file),
  rules: () => discoverRules('laravel'),
};

function effectiveConfig(project: LaravelProject): Record<string, EffectiveValue> {
  const out: Record<string, EffectiveValue> = {};
  for (const key of REPORTED_KEYS) {
    const v = project.config.get(key);
    if (v) out[key] = toEffective(key, v);
  }
  return out;
}

function toEffective(key: string, v: Val): EffectiveValue {
  const source = v.origin.file.startsWith('(') ? null : { file: v.origin.file, line: v.origin.line };
  // A value built from a secret (`SESSION_COOKIE=${DB_PASSWORD}`) is as secret as its source.
  if (isSecretKey(key.split('.').pop() ?? '') || v.secret) return { value: '<redacted>', source };
  if (v.t === 'unknown') return { value: null, source, unknown: v.why };
  if (v.t === 'array') return { value: display(v), source };
  if (v.origin.note.startsWith('assumed ')) return { value: v.v, source, assumed: true };
  return { value: v.v, source };
}

/** `statelint config`: the values that decide where state lives, each with the line it came from. */
function describeConfig(laravel: LaravelProject, format: 'pretty' | 'json', c: ChalkInstance): string {
  const rows: { key: string; value: string; source: string }[] = [];
  const add = (key: string, v: Val | undefined) => {
    if (!v) return rows.push({ key, value: '(not set)', source: '' });
    const value = isSecretKey(key.split('.').pop() ?? '') || v.secret ? '<redacted>' : display(v);
    // Framework defaults point at composer.json in findings; here the note alone says it better.
    const fromFramework = !v.origin.fromEnv && v.origin.file === laravel.anchor.file && v.origin.line === laravel.anchor.line;
    const source = v.origin.file.startsWith('(') || fromFramework ? `(${laravel.major ? `Laravel ${laravel.major} ` : ''}framework default) ${v.origin.note.startsWith('Laravel') ? '' : v.origin.note}`.trim() : `${v.origin.file}:${v.origin.line}  ${v.origin.note}`;
    rows.push({ key, value, source });
  };
  for (const key of REPORTED_KEYS) add(key, laravel.config.get(key));
  const nameOf = (key: string) => {
    const v = laravel.config.get(key);
    return v?.t === 'scalar' ? String(v.v) : undefined;
  };
  const store = nameOf('cache.default');
  if (store) add(`cache.stores.${store}.driver`, laravel.config.get(`cache.stores.${store}.driver`));
  const disk = nameOf('filesystems.default');
  if (disk) add(`filesystems.disks.${disk}.driver`, laravel.config.get(`filesystems.disks.${disk}.driver`));
  const conn = nameOf('database.default');
  if (conn) add(`database.connections.${conn}.driver`, laravel.config.get(`database.connections.${conn}.driver`));
  const lock = scheduleLockStore(laravel);
  if (lock.decidedBy) add('scheduler lock store', lock.decidedBy);
  if (format === 'json') {
    return `${JSON.stringify({ laravel: { version: laravel.version ?? null, configDirs: laravel.configDirs, envFiles: laravel.envFiles }, values: rows }, null, 2)}\n`;
  }
  const width = Math.max(...rows.map((r) => r.key.length));
  const valueWidth = Math.min(40, Math.max(...rows.map((r) => r.value.length)));
  // Names, values and notes come from the project: control characters are escaped for the terminal.
  const safe = terminalSafe;
  const head = `${c.bold('Laravel')} ${safe(laravel.version ?? '(version unknown)')}  config: ${safe(laravel.configDirs.join(', '))}  env: ${safe(laravel.envFiles.join(', ')) || '(none)'}`;
  return `${[head, ...rows.map((r) => `  ${safe(r.key).padEnd(width)}  ${safe(r.value).padEnd(valueWidth)}  ${c.dim(safe(r.source))}`)].join('\n')}\n`;
}
