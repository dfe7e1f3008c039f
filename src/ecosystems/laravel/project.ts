import path from 'node:path';
import { parsePhp } from '../../lang/php.js';
import { LineIndex } from '../../lang/source-text.js';
import { castEnvValue, EnvironmentView, parseEnvFile, type EnvEntry, type EnvFile } from '../../project/env-files.js';
import { toProjectPath, type ProjectFs } from '../../project/fs.js';
import { appLogging, logsThroughAppConfig } from './app-log.js';
import { evaluate, evaluateConfigFile, plainHelperBody, type AppHelper, type EvalScope } from './evaluate.js';
import { frameworkDefaults, MERGEABLE, pointDefaultsAtEnvFile } from './framework-defaults.js';
import { arrayMerge, at, scalar, unknown, type Origin, type Val } from '../../engine/values.js';
import type { SyntaxNode } from '../../lang/php.js';
import type { LaravelFacts } from './facts.js';

/** Config files statelint resolves (the ones that decide where state lives). */
/** services: third-party credentials live there by convention, and fixes add config keys to it. */
export const CONFIG_FILES = ['app', 'session', 'cache', 'filesystems', 'logging', 'database', 'queue', 'services'] as const;
/** Package config files evaluated when the app has them (upload defaults: Livewire, spatie/laravel-medialibrary, Filament). */
export const PACKAGE_CONFIG_FILES = ['livewire', 'media-library', 'filament'] as const;

export interface LaravelOptions {
  envFiles?: string[];
  envOverrides?: Record<string, string>;
  /** A deployment workload's environment (--workload), on top of the env files, under envOverrides. */
  provided?: EnvFile[];
  /** Config values the resolver cannot derive, stated by the user (--assume key=value). */
  assume?: Record<string, string>;
  /** --target-env: values left to the framework's defaults point at this environment's env file (the first one). */
  targetEnv?: string;
  configDir?: string;
  /** The project's PHP files, when already discovered (relative paths). */
  phpFiles?: string[];
}

export interface LaravelProject extends LaravelFacts {
  version?: string;
  major?: number;
  configDirs: string[];
  envFiles: string[];
  env: EnvironmentView;
  config: LaravelConfig;
  /** Where a framework default is pointed at when no app file holds it (composer.json's laravel/framework line). */
  anchor: Origin;
  /** Problems reading the project's own config (listed in the report's errors). */
  errors: { file: string; message: string }[];
  /**
   * composer.json / composer.lock that could not be read or parsed: the Laravel version (and so the
   * framework defaults under every value) is not certain, so no checklist row may pass on it.
   */
  metadataProblems?: string[];
}

/** The evidence that a folder is a Laravel app: an artisan file, or laravel/framework in composer.json. */
export function laravelEvidence(fs: ProjectFs): string[] {
  const evidence: string[] = [];
  if (fs.exists('artisan') === 'file') evidence.push('artisan');
  const composer = readComposer(fs);
  const req = { ...(composer.data?.require ?? {}), ...(composer.data?.['require-dev'] ?? {}) };
  for (const pkg of ['laravel/framework', 'illuminate/support']) {
    if (Object.hasOwn(req, pkg)) evidence.push(`composer.json requires ${pkg}`);
    // A composer.json that is not valid JSON still says what it requires: detection goes on from its text.
    else if (composer.text !== undefined && composer.data === undefined && new RegExp(`"${pkg}"\\s*:`).test(composer.text)) evidence.push(`composer.json names ${pkg} (the file is not valid JSON)`);
  }
  return evidence;
}

/** composer.json as data, its text, and the problem when it exists but could not be read or parsed. */
export function readComposer(fs: ProjectFs): { data?: any; text?: string; problem?: string } {
  if (!fs.exists('composer.json')) return {};
  const read = fs.read('composer.json');
  if (!read.ok) return { problem: read.reason };
  try {
    const data = JSON.parse(read.text);
    return data && typeof data === 'object' && !Array.isArray(data) ? { data, text: read.text } : { text: read.text, problem: 'is not a JSON object' };
  } catch (e) {
    // The position only: V8's message quotes the text.
    const at = /at position (\d+)/.exec((e as Error).message);
    const where = at ? new LineIndex(read.text).position(Number(at[1])) : undefined;
    return { text: read.text, problem: `is not valid JSON${where ? ` (line ${where.line}, column ${where.column})` : ''}` };
  }
}

/** Laravel version from composer.lock, else the composer.json constraint, else vendor's Application::VERSION. */
export function detectLaravelVersion(fs: ProjectFs): { version?: string; major?: number } {
  const lockVersion = lockedFrameworkVersion(fs, 'composer.lock');
  if (lockVersion) {
    const version = lockVersion.replace(/^v/, '');
    const major = Number.parseInt(version, 10);
    return { version, major: Number.isNaN(major) ? undefined : major };
  }
  const composer = readComposer(fs);
  const constraint = composer.data ? composer.data.require?.['laravel/framework'] : /"laravel\/framework"\s*:\s*"([^"\n]{1,100})"/.exec(composer.text ?? '')?.[1];
  if (typeof constraint === 'string') {
    const m = /(\d+)(?:\.(\d+))?/.exec(constraint);
    if (m) return { version: constraint, major: Number(m[1]) };
  }
  const app = fs.read('vendor/laravel/framework/src/Illuminate/Foundation/Application.php');
  if (app.ok) {
    const m = /const VERSION = '(\d+)\.([^']*)'/.exec(app.text);
    if (m) return { version: `${m[1]}.${m[2]}`, major: Number(m[1]) };
  }
  return {};
}

/**
 * laravel/framework's version in composer.lock. Lock files run to megabytes; composer writes each
 * package as `"name": "...",` followed by `"version": "..."`, so a targeted search avoids parsing it all.
 */
function lockedFrameworkVersion(fs: ProjectFs, file: string): string | undefined {
  // composer.lock files of large apps pass 2 MiB; 16 MiB bounds the read.
  const read = fs.read(file, 16 * 1024 * 1024);
  if (!read.ok) return undefined;
  const text = read.text;
  const at = text.indexOf('"name": "laravel/framework"');
  if (at >= 0) {
    const m = /"version":\s*"([^"]+)"/.exec(text.slice(at, at + 400));
    if (m) return m[1];
  }
  try {
    const pkg = JSON.parse(text)?.packages?.find?.((p: any) => p?.name === 'laravel/framework');
    return typeof pkg?.version === 'string' ? pkg.version : undefined;
  } catch {
    return undefined;
  }
}

function composerAnchor(fs: ProjectFs, major: number | undefined): Origin {
  const file = 'composer.json';
  const note = `Laravel ${major ?? ''} framework default`.replace('  ', ' ');
  const read = fs.read(file);
  if (read.ok) {
    const lines = new LineIndex(read.text);
    for (let l = 1; l <= lines.lineCount; l++) if (lines.lineText(l).includes('"laravel/framework"')) return { ...lines.lineLocation(file, l), note };
    return { ...lines.lineLocation(file, 1), note };
  }
  return { file, line: 1, column: 1, endLine: 1, endColumn: 1, note };
}

function scopeFor(file: string, text: string, env: EnvironmentView, envFiles: EnvFile[], anchor?: Origin): EvalScope {
  return {
    file,
    lines: new LineIndex(text),
    env,
    anchor,
    vars: new Map(),
    uses: new Map(),
    envOrigin: (e: EnvEntry) => {
      const f = envFiles.find((x) => x.file === e.file);
      return f ? { ...f.lines.lineLocation(f.file, e.line), note: EnvironmentView.display(e) } : undefined;
    },
  };
}

/**
 * The app's config directories. `unknown` is set when the directory cannot be known or read from the
 * project (bootstrap/app.php names a folder outside it, e.g. `useConfigPath('/etc')`, or cannot be
 * parsed): every app config value is then unknown, never a framework default, and `dirs` is config/
 * only so rules still treat config/*.php as config (an env() there is not "outside config").
 */
interface ConfigDirs {
  dirs: string[];
  unknown?: { file: string; reason: string };
}

/**
 * The config directory Laravel really uses: --config-dir, else `useConfigPath(...)` in
 * bootstrap/app.php, else a `configPath()` override in an Application subclass, else config/.
 */
async function detectConfigDirs(fs: ProjectFs, explicit: string | undefined, env: EnvironmentView, phpFiles: string[] | undefined, errors: LaravelProject['errors']): Promise<ConfigDirs> {
  if (explicit) return { dirs: [toPosix(path.relative(fs.root, path.resolve(fs.root, explicit))) || '.'] };
  const found: string[] = [];
  // An Application subclass that overrides configPath() lives in a file named after it (BookStack: app/App/Application.php).
  const appFiles = phpFiles ? phpFiles.filter((f) => f.startsWith('app/')) : phpFilesUnder(fs, 'app', 4);
  const candidates = ['bootstrap/app.php', ...appFiles.filter((f) => /Application\.php$/.test(f))];
  for (const rel of candidates) {
    if (!fs.exists(rel)) continue; // a folder or device in its place is read (and refused) below, not passed over
    const read = fs.read(rel);
    if (!read.ok) {
      // It may move the config folder: unread, the folder (and every config value) is unknown, not config/.
      const reason = `${rel} could not be read (${read.reason}), so the config directory is unknown`;
      errors.push({ file: rel, message: `not read (${read.reason}); the config directory is unknown` });
      return { dirs: ['config'], unknown: { file: rel, reason } };
    }
    const text = read.text;
    if (!/useConfigPath|function\s+configPath/.test(text)) continue;
    let tree: Awaited<ReturnType<typeof parsePhp>>;
    try {
      tree = await parsePhp(text);
    } catch (e) {
      const reason = `${rel} could not be parsed (${(e as Error).message}), so the config directory is unknown`;
      errors.push({ file: rel, message: reason });
      return { dirs: ['config'], unknown: { file: rel, reason } };
    }
    try {
      const scope = scopeFor(rel, text, env, []);
      const origin = { file: rel, line: 1, column: 1, endLine: 1, endColumn: 1 };
      // base_path(), __DIR__ and $this->basePath start with a marker no project string holds, so
      // `base_path('config')` (inside the project) is told from a literal '/etc' (outside it).
      scope.basePath = BASE_MARK;
      scope.vars.set('__DIR__', scalar(`${BASE_MARK}/${toPosix(path.dirname(rel))}`, { ...origin, note: '__DIR__' }));
      scope.vars.set('$this->basePath', scalar(BASE_MARK, { ...origin, note: 'base path' }));
      scope.vars.set('$path', scalar('', { ...origin, note: '$path' }));
      for (const dir of configPathsIn(tree.rootNode, scope)) {
        if (typeof dir !== 'string') {
          errors.push({ file: rel, message: `${dir.outside}: not read; the config values are unknown` });
          return { dirs: ['config'], unknown: { file: rel, reason: dir.outside } };
        }
        if (!found.includes(dir)) found.push(dir);
      }
    } finally {
      tree.delete();
    }
  }
  const dirs = found.length ? found : ['config'];
  // A config "folder" that is a file (or a device) hides every config file: unknown, not framework defaults.
  for (const dir of dirs) {
    const kind = fs.exists(dir);
    if (kind && kind !== 'dir') {
      const reason = `the config directory ${dir}/ is not a folder`;
      errors.push({ file: `${dir}/`, message: `${reason}; its values are unknown` });
      return { dirs, unknown: { file: dir, reason } };
    }
  }
  return { dirs };
}

const BASE_MARK = '\u{10FFFF}statelint-base-path';

/** Config paths set in a file; `{ outside }` for one that leaves the project (an absolute path or `..`). */
function configPathsIn(rootNode: SyntaxNode, scope: EvalScope): (string | { outside: string })[] {
  const out: (string | { outside: string })[] = [];
  const pushPath = (v: Val, call: SyntaxNode) => {
    if (v.t !== 'scalar' || typeof v.v !== 'string') return;
    const fromBase = v.v === BASE_MARK || v.v.startsWith(`${BASE_MARK}/`);
    const raw = fromBase ? v.v.slice(BASE_MARK.length) : v.v;
    const norm = path.posix.normalize(raw.replace(/^\/+/, '') || '.').replace(/\/+$/, '');
    const written = (call.text.length > 80 ? `${call.text.slice(0, 77)}...` : call.text).replace(/\s+/g, ' ');
    if ((!fromBase && raw.startsWith('/')) || norm === '..' || norm.startsWith('../') || raw.includes('\0') || raw.includes(BASE_MARK)) out.push({ outside: `${written} points outside the project` });
    else if (norm && norm !== '.') out.push(norm);
  };
  const stack: SyntaxNode[] = [rootNode];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'member_call_expression' && n.childForFieldName('name')?.text === 'useConfigPath') {
      const arg = n.childForFieldName('arguments')?.namedChildren[0]?.namedChildren[0];
      if (arg) pushPath(evaluate(arg, scope), n);
    }
    if (n.type === 'method_declaration' && n.childForFieldName('name')?.text === 'configPath') {
      const ret = findReturn(n);
      if (ret) pushPath(evaluate(ret, scope), n.childForFieldName('name') ?? n);
    }
    const children = n.namedChildren;
    for (let i = children.length - 1; i >= 0; i--) if (children[i]) stack.push(children[i]!);
  }
  return out;
}

function findReturn(n: SyntaxNode): SyntaxNode | undefined {
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === 'return_statement') return c.namedChildren[0] ?? undefined;
    const inner = findReturn(c);
    if (inner) return inner;
  }
  return undefined;
}

function phpFilesUnder(fs: ProjectFs, dir: string, depth: number): string[] {
  if (depth < 0) return [];
  const out: string[] = [];
  for (const e of fs.list(dir) ?? []) {
    const rel = `${dir}/${e.name}`;
    if (e.kind === 'dir') out.push(...phpFilesUnder(fs, rel, depth - 1));
    else if (e.name.endsWith('.php') && !e.name.endsWith('.blade.php')) out.push(rel);
  }
  return out;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

/**
 * The env files in use: the ones the user named (project-relative, or absolute for a file outside
 * the project; the CLI resolves what the user typed), else .env, else .env.example.
 */
function loadEnvFiles(fs: ProjectFs, requested: string[] | undefined, errors: LaravelProject['errors']): EnvFile[] {
  // A .env that is there but is not a regular file (a folder, a FIFO) is still the one Laravel would use: listed as not read.
  const names = requested?.length ? requested : fs.exists('.env') ? ['.env'] : fs.exists('.env.example') === 'file' ? ['.env.example'] : [];
  const files: EnvFile[] = [];
  const seen = new Map<string, EnvEntry>();
  for (const name of names) {
    const rel = path.isAbsolute(name) ? toProjectPath(fs, name) : toPosix(name);
    if (!path.isAbsolute(rel) && !fs.exists(rel)) {
      errors.push({ file: rel, message: 'env file not found' });
      continue;
    }
    const read = fs.read(rel);
    if (!read.ok) {
      errors.push({ file: rel, message: `env file skipped: ${read.reason}` });
      continue;
    }
    const f = parseEnvFile(rel, read.text, seen);
    for (const [k, e] of f.entries) seen.set(k, e);
    files.push(f);
  }
  return files;
}

/** The app's configuration as production would resolve it, with the line that decides each value. */
export class LaravelConfig {
  constructor(private readonly files: Map<string, { val: Val; source: 'app' | 'framework' | 'app+framework' }>) {}

  /** `session.driver`, `cache.stores.redis.driver`, ... ; undefined when the key is absent. */
  get(key: string): Val | undefined {
    const [file, ...rest] = key.split('.');
    const root = this.files.get(file)?.val;
    return rest.length ? at(root, rest.join('.')) : root;
  }

  sourceOf(file: string): 'app' | 'framework' | 'app+framework' | undefined {
    return this.files.get(file)?.source;
  }
}

export async function loadLaravelProject(fs: ProjectFs, options: LaravelOptions = {}): Promise<LaravelProject> {
  const errors: LaravelProject['errors'] = [];
  const { version, major } = detectLaravelVersion(fs);
  const envFiles = [...loadEnvFiles(fs, options.envFiles, errors), ...(options.provided ?? [])];
  const env = new EnvironmentView(envFiles, options.envOverrides);
  const { dirs: configDirs, unknown: configUnknown } = await detectConfigDirs(fs, options.configDir, env, options.phpFiles, errors);
  const anchor = composerAnchor(fs, major);
  const metadataProblems = composerProblems(fs, errors);

  // The same parser (with its grammar-gap patches) as source files: config files are PHP like any other.
  const helpers = await appHelpers(fs);
  const evalFile = async (rel: string, text: string, fileAnchor?: Origin): Promise<Val | undefined> => {
    const tree = await parsePhp(text);
    try {
      if (tree.rootNode.hasError && !fileAnchor) errors.push({ file: rel, message: 'parse error; values in this file may be unknown' });
      return evaluateConfigFile(tree, { ...scopeFor(rel, text, env, envFiles, fileAnchor), helpers: helpers.map });
    } finally {
      tree.delete();
    }
  };

  const vendorDir = 'vendor/laravel/framework/config';
  const embedded = frameworkDefaults(major);
  const resolved = new Map<string, { val: Val; source: 'app' | 'framework' | 'app+framework' }>();
  for (const name of [...CONFIG_FILES, ...PACKAGE_CONFIG_FILES]) {
    if (configUnknown) {
      // The app's config is not in the project: its values are unknown, never the framework's defaults.
      const origin = { file: configUnknown.file, line: 1, column: 1, endLine: 1, endColumn: 1, note: configUnknown.reason };
      resolved.set(name, { val: unknown(configUnknown.reason, origin), source: 'app' });
      continue;
    }
    let appVal: Val | undefined;
    for (const dir of configDirs) {
      const rel = toPosix(path.posix.join(dir, `${name}.php`));
      if (!fs.exists(rel)) continue;
      const read = fs.read(rel);
      if (!read.ok) {
        errors.push({ file: rel, message: read.reason });
        continue;
      }
      appVal = await evalFile(rel, read.text);
      break;
    }
    let baseVal: Val | undefined;
    if (major !== undefined && major >= 11) {
      const vendorFile = `${vendorDir}/${name}.php`;
      const vendorRead = fs.exists(vendorFile) === 'file' ? fs.read(vendorFile) : undefined;
      if (vendorRead?.ok) baseVal = await evalFile(vendorFile, vendorRead.text);
      else if (embedded?.[name]) baseVal = await evalFile(`(Laravel ${major} framework config/${name}.php)`, embedded[name], { ...anchor, note: `Laravel ${major} framework default for config/${name}.php` });
    }
    if (appVal && baseVal) resolved.set(name, { val: mergeLikeLaravel(name, baseVal, appVal), source: 'app+framework' });
    else if (appVal) resolved.set(name, { val: appVal, source: 'app' });
    else if (baseVal) resolved.set(name, { val: baseVal, source: 'framework' });
  }
  helpers.dispose();
  const envValue = (key: string): Val | undefined => {
    const e = env.get(key);
    if (!e) return undefined;
    const f = envFiles.find((x) => x.file === e.file);
    const origin: Origin = f ? { ...f.lines.lineLocation(f.file, e.line), note: EnvironmentView.display(e), fromEnv: true } : { ...anchor, note: `${key} set on the command line` };
    return scalar(castEnvValue(e.value), origin);
  };
  /** The text of an app config file (config/<name>.php in the app's config folder), for fixes that add keys to it. */
  const configSource = (name: string): { file: string; text: string } | undefined => {
    for (const dir of configDirs) {
      const rel = toPosix(path.posix.join(dir, `${name}.php`));
      if (fs.exists(rel) !== 'file') continue;
      const read = fs.read(rel);
      return read.ok ? { file: rel, text: read.text } : undefined;
    }
    return undefined;
  };
  const hasLoggingConfig = configDirs.some((d) => fs.exists(toPosix(path.posix.join(d, 'logging.php'))) === 'file');
  const legacyLogging = logsThroughAppConfig(version, major, hasLoggingConfig) ? appLogging(fs) : undefined;
  return {
    version,
    configSource,
    major,
    envValue,
    configDirs,
    envFiles: envFiles.map((f) => f.file),
    env,
    config: pointDefaultsAtEnvFile(withAssumptions(new LaravelConfig(resolved), options.assume, anchor), options.targetEnv ? envFiles.find((f) => !options.provided?.includes(f)) : undefined, anchor),
    anchor,
    errors,
    ...(metadataProblems.length ? { metadataProblems } : {}),
    ...(legacyLogging ? { appLogging: legacyLogging } : {}),
  };
}

/** composer.json / composer.lock present but unreadable, not regular files or not JSON: listed, and returned for the checklist. */
function composerProblems(fs: ProjectFs, errors: LaravelProject['errors']): string[] {
  const out: string[] = [];
  const composer = readComposer(fs);
  if (composer.problem) {
    const detected = composer.text !== undefined && /"laravel\/framework"\s*:/.test(composer.text) ? '; Laravel detected from its text' : '';
    errors.push({ file: 'composer.json', message: `${composer.problem}${detected}; the Laravel version and its defaults are not certain` });
    out.push('composer.json');
  }
  if (fs.exists('composer.lock')) {
    const lock = fs.read('composer.lock', 16 * 1024 * 1024);
    if (!lock.ok) {
      errors.push({ file: 'composer.lock', message: `${lock.reason}; the locked Laravel version is unknown` });
      out.push('composer.lock');
    }
  }
  return out;
}

/**
 * --assume key=value: a value the user states for a key the resolver leaves unknown or absent. A value the
 * resolver knows is kept (the files decide); an assumed one points at the composer.json anchor with the note
 * "assumed (--assume key=value)", and the report marks it (effectiveConfig[key].assumed).
 */
function withAssumptions(config: LaravelConfig, assume: Record<string, string> | undefined, anchor: Origin): LaravelConfig {
  const entries = Object.entries(assume ?? {});
  if (!entries.length) return config;
  const get = config.get.bind(config);
  config.get = (key: string) => {
    const v = get(key);
    const stated = assume![key];
    if (stated === undefined || (v && v.t !== 'unknown')) return v;
    return scalar(castEnvValue(stated), { ...anchor, note: `assumed (--assume ${key}=${stated})` }, v ? [{ ...v.origin, note: `the resolver could not derive it: ${v.t === 'unknown' ? v.why : ''}` }] : []);
  };
  return config;
}

/**
 * The app's helper functions (composer.json autoload "files") whose body is a plain expression, so config that
 * wraps env() in them (firefly-iii's env_default_when_empty(env('X'), 'd')) resolves. Trees live until dispose().
 */
async function appHelpers(fs: ProjectFs): Promise<{ map: Map<string, AppHelper>; dispose(): void }> {
  const map = new Map<string, AppHelper>();
  const trees: { delete(): void }[] = [];
  const composer = fs.exists('composer.json') === 'file' ? fs.read('composer.json') : undefined;
  let files: string[] = [];
  try {
    const json = composer?.ok ? (JSON.parse(composer.text) as { autoload?: { files?: unknown } }) : undefined;
    files = Array.isArray(json?.autoload?.files) ? json!.autoload!.files.filter((f): f is string => typeof f === 'string') : [];
  } catch {
    files = [];
  }
  for (const rel of files.slice(0, 20).map(toPosix)) {
    if (fs.exists(rel) !== 'file') continue;
    const read = fs.read(rel);
    if (!read.ok) continue;
    const tree = await parsePhp(read.text);
    trees.push(tree);
    const lines = new LineIndex(read.text);
    for (const fn of tree.rootNode.descendantsOfType('function_definition')) {
      const name = fn?.childForFieldName('name')?.text;
      const body = fn?.childForFieldName('body');
      const statements = body ? plainHelperBody(body) : undefined;
      if (!fn || !name || !statements || map.has(name)) continue;
      const params = (fn.childForFieldName('parameters')?.namedChildren ?? [])
        .filter((p): p is SyntaxNode => !!p && /parameter/.test(p.type))
        .map((p) => ({ name: p.childForFieldName('name')?.text ?? '', fallback: p.childForFieldName('default_value') ?? undefined }));
      map.set(name, { params, statements, file: rel, lines });
    }
  }
  return { map, dispose: () => trees.forEach((t) => t.delete()) };
}

/** LoadConfiguration (11+): array_merge(framework, app), then the same for mergeable sub-arrays. */
function mergeLikeLaravel(name: string, base: Val, app: Val): Val {
  const merged = arrayMerge(base, app);
  if (merged.t !== 'array') return merged;
  for (const option of MERGEABLE[name] ?? []) {
    const b = at(base, option);
    const a = at(app, option);
    if (!b || !a || b.t !== 'array' || a.t !== 'array') continue;
    const combined = arrayMerge(b, a);
    merged.entries = merged.entries.map((e) => (e.key === option ? { key: option, value: combined } : e));
  }
  return merged;
}
