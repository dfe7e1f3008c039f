import type { Category, Finding } from '../../engine/finding.js';
import type { ChecklistItem, CheckStatus } from '../../engine/report.js';
import { asString, display, type Val } from '../../engine/values.js';
import type { ProjectFs } from '../../project/fs.js';
import type { ChecklistContext } from '../types.js';
import { appLogTarget, withoutComments } from './app-log.js';
import { envKeyOf } from './env-keys.js';
import { scheduleLockStore, type LaravelFacts } from './facts.js';

/**
 * The rules whose evidence each row rests on (every Laravel rule of that category; test/ecosystems keeps this
 * in step with rules/laravel/). A row cannot pass when one of them did not run.
 */
export const ROW_RULES: Partial<Record<Category, string[]>> = {
  sessions: ['laravel/session-store-local'],
  cache: ['laravel/cache-store-local'],
  uploads: ['laravel/filesystem-disk-local', 'laravel/hardcoded-storage-path', 'laravel/upload-to-local-disk'],
  logs: ['laravel/log-channel-local', 'laravel/log-to-local-file'],
  config: ['laravel/env-outside-config', 'laravel/env-written-at-runtime', 'laravel/maintenance-mode-local'],
  scheduler: ['laravel/schedule-missing-one-server', 'laravel/schedule-lock-local'],
  queue: ['laravel/queue-connection-local'],
  database: ['laravel/database-local-sqlite'],
};

/** What a row's values say: the text shown, and one line per value that is not known (which key, why, how to fix). */
interface RowValue {
  text: string;
  unknown: string[];
  /** Nothing of this kind in the app (no scheduled tasks): its own state, never "pass". */
  none?: boolean;
}

interface Row {
  category: Category;
  label: string;
  /** The config files (config/<name>.php) the row's values come from. */
  configs: string[] | ((l: LaravelFacts) => string[]);
  /** The row rests on reading source files (not only on config values). */
  fromCode?: boolean;
  value(l: LaravelFacts, findings: Finding[], scheduler: SchedulerEvidence): RowValue;
}

/** Where the app registers scheduled tasks (entry points Laravel reads), decided at load time. */
export interface SchedulerEvidence {
  /** Files that register tasks (comments ignored). */
  files: string[];
  /** Entry points that exist but could not be read. */
  unread: string[];
  /**
   * Other PHP files of the app that call the scheduler (a wrapper class, a provider outside app/Providers, a
   * package's provider in the repository), read when the checklist is built.
   */
  outside?: (mentions?: Set<string>) => OutsideTasks[];
}

/** The checklist's text probe (LoadedEcosystem.textProbes): files that mention the scheduler at all. */
export const SCHEDULE_PROBE = 'schedule';

/** A file outside the scheduler's entry points that calls it: where, what, and whether it locks any task to one server. */
export interface OutsideTasks {
  file: string;
  line: number;
  call: string;
  /** The file chains ->onOneServer(): the rules recognised a scheduler there and its tasks were checked. */
  onOneServer: boolean;
}

const SCHEDULE_FILES = ['app/Console/Kernel.php', 'routes/console.php', 'bootstrap/app.php'];
/** A call on the scheduler: $schedule->command(...), Schedule::job(...), Schedule::daily()->group(...), withSchedule(). Not Artisan::command(). */
const TASK = /\bSchedule::\s*\w+\s*\(|\$schedule\s*->\s*\w+\s*\(|withSchedule\s*\(/;
export const MENTIONS_SCHEDULE = /\bSchedule\b/;

/**
 * The scheduler's entry points (app/Console/Kernel.php, routes/console.php, bootstrap/app.php and the app's
 * service providers) that register tasks. Tasks the rules report are evidence by themselves; this tells
 * "no scheduled tasks" apart from "every task runs on one server" when the rules report nothing. Any other
 * PHP file of the app can register tasks too (a wrapper class, a package's provider kept in the repository):
 * `outside` reads them on demand.
 */
export function schedulerEvidence(fs: ProjectFs, phpFiles?: string[], configDirs: string[] = ['config']): SchedulerEvidence {
  const providers = (fs.list('app/Providers') ?? []).filter((e) => e.kind === 'file' && e.name.endsWith('.php')).map((e) => `app/Providers/${e.name}`);
  const out: SchedulerEvidence = { files: [], unread: [] };
  for (const file of [...SCHEDULE_FILES, ...providers]) {
    if (fs.exists(file) !== 'file') continue;
    const read = fs.read(file);
    if (!read.ok) {
      out.unread.push(file);
      continue;
    }
    if (!MENTIONS_SCHEDULE.test(read.text)) continue;
    if (TASK.test(withoutComments(read.text))) out.files.push(file);
  }
  const entryPoints = new Set([...SCHEDULE_FILES, ...providers]);
  // Tests never register production tasks; config, translation files and migrations return or run data; views render.
  const candidates = (phpFiles ?? []).filter(
    (f) => !entryPoints.has(f) && !NEVER_REGISTERS.test(f) && !configDirs.some((d) => d !== '.' && f.startsWith(`${d}/`)),
  );
  let outside: OutsideTasks[] | undefined;
  // `mentions`: the files the run's own read found naming Schedule (MENTIONS_SCHEDULE); the others cannot register tasks.
  out.outside = (mentions) => (outside ??= scanOutside(fs, mentions ? candidates.filter((f) => mentions.has(f)) : candidates));
  return out;
}

/**
 * A task registered on the scheduler: `$schedule->command(`, `$this->scheduler->job(`, `Schedule::call(`,
 * `app(Schedule::class)->exec(`, and withSchedule(. Not `$this->call(` (Artisan) nor `$schedule->events()` (a read).
 */
const OUTSIDE_TASK = new RegExp(
  [
    String.raw`\bSchedule::\s*(?:command|job|call|exec)\s*\(`,
    String.raw`\$\w*schedule\w*\s*->\s*(?:command|job|call|exec)\s*\(`,
    String.raw`->\s*\w*schedule\w*\s*->\s*(?:command|job|call|exec)\s*\(`,
    String.raw`\(\s*\\?(?:Illuminate\\Console\\Scheduling\\)?Schedule::class\s*\)\s*->\s*(?:command|job|call|exec)\s*\(`,
    String.raw`\bwithSchedule\s*\(`,
  ].join('|'),
  'i',
);

const NEVER_REGISTERS = /(^|\/)(?:tests?\/|lang\/|database\/migrations\/)|\.blade\.php$/;

function scanOutside(fs: ProjectFs, files: string[]): OutsideTasks[] {
  const out: OutsideTasks[] = [];
  for (const file of files) {
    const read = fs.read(file);
    // Unreadable or too large files are the checklist's "not analysed" caveat already.
    if (!read.ok || !MENTIONS_SCHEDULE.test(read.text)) continue;
    const code = withoutComments(read.text);
    const m = OUTSIDE_TASK.exec(code);
    if (!m) continue;
    const line = code.slice(0, m.index).split('\n').length;
    out.push({ file, line, call: m[0].replace(/\s+/g, ''), onOneServer: /->\s*onOneServer\s*\(/.test(code) });
  }
  return out;
}

/** One line for a value the resolver could not decide: which key, why, and the flag that states it. */
function unknownLine(key: string, v: Val | undefined, placeholder: string): string {
  const why = !v ? 'not set in any config file' : v.t === 'unknown' ? v.why : v.t === 'array' ? 'an array, not a name' : `it is ${display(v)}`;
  const where = v && !v.origin.file.startsWith('(') ? ` at ${v.origin.file}:${v.origin.line}` : '';
  const env = envKeyOf(v);
  const fix = v?.t === 'scalar' && env ? `set ${env} in the env file (or --env ${env}=${placeholder})` : `state it with --assume ${key}=${placeholder}`;
  return `${key} unknown (${why}${where}): ${fix}`;
}

/** `<section>` = a name, and that name's driver: both must be known for the row to pass. */
function named(section: string, driverPath: ((name: string) => string) | undefined, placeholder: string, driverPlaceholder = '<driver>'): Row['value'] {
  return (l) => {
    const v = l.config.get(section);
    const name = asString(v);
    if (!name) return { text: '', unknown: [unknownLine(section, v, placeholder)] };
    if (!driverPath) return { text: `${section} = ${name}`, unknown: [] };
    const key = driverPath(name);
    const d = l.config.get(key);
    const driver = asString(d);
    if (!driver) return { text: `${section} = ${name}`, unknown: [unknownLine(key, d, driverPlaceholder)] };
    return { text: `${section} = ${name}${driver !== name ? ` (driver ${driver})` : ''}`, unknown: [] };
  };
}

/** The default log channel and every channel its stacks reach: each needs a known driver. */
function logsValue(l: LaravelFacts): RowValue {
  const legacy = appLogTarget(l);
  if (legacy) return { text: legacy.name ? `app.log = ${legacy.name}` : '', unknown: legacy.unknown ? [legacy.unknown] : [] };
  const def = l.config.get('logging.default');
  const name = asString(def);
  if (!name) return { text: '', unknown: [unknownLine('logging.default', def, '<channel>')] };
  const unknown: string[] = [];
  const seen = new Set<string>();
  const visit = (channel: string) => {
    if (seen.has(channel) || seen.size > 50) return;
    seen.add(channel);
    const base = `logging.channels.${channel}`;
    const c = l.config.get(base);
    if (!c || c.t !== 'array') return void unknown.push(c ? unknownLine(base, c, '<driver>') : `${base} unknown (the channel is not defined; Laravel then logs to storage/logs/laravel.log): define it in config/logging.php`);
    const d = l.config.get(`${base}.driver`);
    const driver = asString(d);
    // Laravel's 'emergency' entry and custom channels without a driver are not loggable channels: say so.
    if (!driver) return void unknown.push(unknownLine(`${base}.driver`, d, '<driver>'));
    if (driver === 'stack') {
      const members = l.config.get(`${base}.channels`);
      if (!members || members.t !== 'array') return void unknown.push(unknownLine(`${base}.channels`, members, '<channel>'));
      for (const e of members.entries) {
        const m = asString(e.value)?.trim();
        if (m) visit(m);
        else unknown.push(unknownLine(`${base}.channels.${e.key}`, e.value, '<channel>'));
      }
    } else if (driver === 'monolog' && !asString(l.config.get(`${base}.handler`))) {
      unknown.push(unknownLine(`${base}.handler`, l.config.get(`${base}.handler`), '<handler class>'));
    }
  };
  visit(name);
  return { text: `logging.default = ${name}`, unknown };
}

function schedulerValue(l: LaravelFacts, findings: Finding[], evidence: SchedulerEvidence): RowValue {
  const n = findings.filter((f) => f.ruleId === 'laravel/schedule-missing-one-server').length;
  const locks = findings.filter((f) => f.ruleId === 'laravel/schedule-lock-local').length;
  const unknown = evidence.unread.map((f) => `${f} unknown (could not be read): its scheduled tasks were not checked`);
  // Files outside the entry points that call the scheduler: where the rules reported, they decide; where a task is
  // locked to one server, the rules recognised the scheduler there; otherwise its tasks were not confirmed.
  const reported = new Set(findings.filter((f) => f.category === 'scheduler').map((f) => f.location.file));
  // A row the findings fail stays failing: the other files are only read when they can change the state.
  const outside = n || locks ? [] : (evidence.outside?.() ?? []).filter((o) => !reported.has(o.file));
  const unconfirmed = outside.filter((o) => !o.onOneServer);
  if (unconfirmed.length) {
    const named = unconfirmed.slice(0, 3).map((o) => `${o.file}:${o.line} (${o.call})`);
    const more = unconfirmed.length > 3 ? ` and ${unconfirmed.length - 3} more file${unconfirmed.length === 4 ? '' : 's'}` : '';
    unknown.push(`tasks registered outside the scheduler's entry points unknown (${named.join(', ')}${more}): not confirmed to run on one server`);
  }
  if (!n && !locks && !evidence.files.length && !outside.length) return { text: 'no scheduled tasks', unknown, none: !unknown.length };
  // onOneServer() and withoutOverlapping() hold only if the lock store is shared: its driver must be known.
  const store = scheduleLockStore(l);
  if (!store.name) unknown.push(unknownLine('cache.default', store.decidedBy, '<store>'));
  else {
    const d = l.config.get(`cache.stores.${store.name}.driver`);
    if (!asString(d)) unknown.push(unknownLine(`cache.stores.${store.name}.driver`, d, '<driver>'));
  }
  const parts = [n ? `${n} without onOneServer()` : unconfirmed.length ? 'no task reported without onOneServer()' : 'every task on one server', ...(locks ? [`${locks} lock${locks === 1 ? '' : 's'} in a local store`] : [])];
  return { text: parts.join(', '), unknown };
}

const ROWS: Row[] = [
  { category: 'sessions', label: 'Sessions', configs: ['session'], value: named('session.driver', undefined, '<driver>') },
  { category: 'cache', label: 'Cache', configs: ['cache'], value: named('cache.default', (n) => `cache.stores.${n}.driver`, '<store>') },
  { category: 'uploads', label: 'Uploaded files', configs: ['filesystems'], fromCode: true, value: named('filesystems.default', (n) => `filesystems.disks.${n}.driver`, '<disk>') },
  { category: 'logs', label: 'Logs', configs: (l) => (l.appLogging ? ['app'] : ['logging']), fromCode: true, value: logsValue },
  {
    category: 'config',
    label: 'Configuration',
    configs: ['app'],
    fromCode: true,
    value: (_l, findings) => {
      const n = findings.filter((f) => f.ruleId === 'laravel/env-outside-config').length;
      return { text: n ? `${n} env() call${n === 1 ? '' : 's'} outside config` : 'no env() outside config', unknown: [] };
    },
  },
  { category: 'scheduler', label: 'Scheduled tasks', configs: ['cache'], fromCode: true, value: schedulerValue },
  { category: 'queue', label: 'Queue workers', configs: ['queue'], value: named('queue.default', (n) => `queue.connections.${n}.driver`, '<connection>') },
  { category: 'database', label: 'Database', configs: ['database'], value: named('database.default', (n) => `database.connections.${n}.driver`, '<connection>') },
];

/**
 * pass / fail / unknown / none per category, with the resolved value (computed here, not in formatters).
 * A row passes only when every value it rests on is known and nothing it rests on was hidden or unread:
 * suppressed or baselined findings, a rule turned off or not run, config or code files that were not
 * analysed, or a partial run make it unknown, and the value says why (one line).
 */
export function laravelChecklist(laravel: LaravelFacts & { errors?: { file: string; message: string }[] }, findings: Finding[], context: ChecklistContext, scheduler: SchedulerEvidence = { files: [], unread: [] }): ChecklistItem[] {
  // A partial run's rows read from code are unknown anyway: no reading every other PHP file for the scheduler (a hook's
  // time). Otherwise only the files the run saw mention Schedule are read again.
  const mentions = context.textHits?.[SCHEDULE_PROBE];
  const evidence = context.partial ? { ...scheduler, outside: undefined } : { ...scheduler, outside: scheduler.outside && (() => scheduler.outside!(mentions)) };
  return ROWS.map((row) => {
    const { text, unknown, none } = row.value(laravel, findings, evidence);
    const failing = findings.some((f) => f.category === row.category && f.severity !== 'info');
    const hidden = context.suppressed.filter((f) => f.category === row.category).length;
    const rules = ROW_RULES[row.category] ?? [];
    const off = rules.filter((id) => context.disabledRules.has(id));
    const notRun = rules.filter((id) => !context.disabledRules.has(id) && context.categoryOf(id) === undefined);
    const configs = typeof row.configs === 'function' ? row.configs(laravel) : row.configs;
    const configFiles = laravel.configDirs.flatMap((d) => configs.map((c) => `${d}/${c}.php`));
    // A skipped file, or a folder that could not be listed, that holds one of the row's config files (or an env file in use).
    const unreadConfig = context.notAnalysed.filter((f) => configFiles.some((c) => c === f || c.startsWith(`${f}/`)) || laravel.envFiles.includes(f));
    // Code rules never read the config folders: an unread config file is only its own row's concern.
    const inConfig = (f: string) => laravel.configDirs.some((d) => d === '.' || f.startsWith(`${d}/`)) || laravel.envFiles.includes(f);
    // Config that was read only in part: an env file that was skipped (every row's values may come from it), or a parse error in the row's own config file.
    const partlyRead = (laravel.errors ?? []).filter((e) => /^env file /.test(e.message) || (configFiles.includes(e.file) && /parse error/.test(e.message)));
    const unread = row.fromCode ? context.notAnalysed.filter((f) => !inConfig(f)).length : 0;
    const caveats = [
      ...(hidden ? [`${hidden} suppressed`] : []),
      ...(off.length ? [`${off.join(', ')} off`] : []),
      ...(notRun.length ? [`${notRun.join(', ')} not run`] : []),
      ...unreadConfig.map((f) => `${f} not analysed`),
      ...partlyRead.map((e) => `${e.file}: ${e.message}`),
      ...(unread ? [`${unread} file${unread === 1 ? '' : 's'} not analysed`] : []),
      ...(context.partial ? ['partial run: only some files were read'] : []),
      // A broken composer.json/lock leaves the Laravel version, and the defaults under every value, uncertain.
      ...(laravel.metadataProblems?.length ? [`${laravel.metadataProblems.join(' and ')} not read`] : []),
    ];
    // A failing row stays failing (the evidence is there); otherwise anything not known keeps it from passing.
    const status: CheckStatus = failing ? 'fail' : unknown.length || caveats.length ? 'unknown' : none ? 'none' : 'pass';
    // The value the row names first (or, when that value itself is unknown, the line that explains it), then the rest.
    const head = text || unknown.join('; ');
    const details = [...(text && unknown.length ? [unknown.join('; ')] : []), ...caveats];
    return { category: row.category, label: row.label, status, value: details.length ? `${head} (${details.join('; ')})` : head };
  });
}
