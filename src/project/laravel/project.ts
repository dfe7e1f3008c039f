import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { phpParsers } from '../../lang/php.js';
import { LineIndex } from '../../lang/source-text.js';
import { EnvironmentView, parseEnvFile, type EnvEntry, type EnvFile } from '../env-files.js';
import { readSource } from '../read-source.js';
import { evaluate, evaluateConfigFile, type EvalScope } from './evaluate.js';
import { frameworkDefaults, MERGEABLE } from './framework-defaults.js';
import { arrayMerge, at, scalar, type Origin, type Val } from '../../engine/values.js';
import type { SyntaxNode } from '../../lang/php.js';
import type { LaravelFacts } from '../../engine/project-facts.js';
import { castEnvValue } from '../env-files.js';

/** Config files statelint resolves (the ones that decide where state lives). */
export const CONFIG_FILES = ['app', 'session', 'cache', 'filesystems', 'logging', 'database', 'queue'] as const;

export interface LaravelOptions {
  envFiles?: string[];
  envOverrides?: Record<string, string>;
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
}

export function isLaravelProject(root: string): boolean {
  if (existsSync(path.join(root, 'artisan'))) return true;
  const composer = readJson(path.join(root, 'composer.json'));
  const req = { ...(composer?.require ?? {}), ...(composer?.['require-dev'] ?? {}) };
  return 'laravel/framework' in req || 'illuminate/support' in req;
}

function readJson(file: string): any {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Laravel version from composer.lock, else the composer.json constraint, else vendor's Application::VERSION. */
export function detectLaravelVersion(root: string): { version?: string; major?: number } {
  const lockVersion = lockedFrameworkVersion(path.join(root, 'composer.lock'));
  if (lockVersion) {
    const version = lockVersion.replace(/^v/, '');
    const major = Number.parseInt(version, 10);
    return { version, major: Number.isNaN(major) ? undefined : major };
  }
  const constraint = readJson(path.join(root, 'composer.json'))?.require?.['laravel/framework'];
  if (typeof constraint === 'string') {
    const m = /(\d+)(?:\.(\d+))?/.exec(constraint);
    if (m) return { version: constraint, major: Number(m[1]) };
  }
  const app = path.join(root, 'vendor/laravel/framework/src/Illuminate/Foundation/Application.php');
  if (existsSync(app)) {
    const m = /const VERSION = '(\d+)\.([^']*)'/.exec(readFileSync(app, 'utf8'));
    if (m) return { version: `${m[1]}.${m[2]}`, major: Number(m[1]) };
  }
  return {};
}

/**
 * laravel/framework's version in composer.lock. Lock files run to megabytes; composer writes each
 * package as `"name": "...",` followed by `"version": "..."`, so a targeted search avoids parsing it all.
 */
function lockedFrameworkVersion(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
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

function composerAnchor(root: string, major: number | undefined): Origin {
  const file = 'composer.json';
  const abs = path.join(root, file);
  const note = `Laravel ${major ?? ''} framework default`.replace('  ', ' ');
  if (existsSync(abs)) {
    const lines = new LineIndex(readFileSync(abs, 'utf8'));
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
 * The config directory Laravel really uses: --config-dir, else `useConfigPath(...)` in
 * bootstrap/app.php, else a `configPath()` override in an Application subclass, else config/.
 */
async function detectConfigDirs(root: string, explicit: string | undefined, env: EnvironmentView, phpFiles: string[] | undefined): Promise<string[]> {
  if (explicit) return [toPosix(path.relative(root, path.resolve(root, explicit))) || '.'];
  const { php } = await phpParsers();
  const found: string[] = [];
  const bootstrap = path.join(root, 'bootstrap/app.php');
  // An Application subclass that overrides configPath() lives in a file named after it (BookStack: app/App/Application.php).
  const appFiles = phpFiles ? phpFiles.filter((f) => f.startsWith('app/')).map((f) => path.join(root, f)) : phpFilesUnder(path.join(root, 'app'), 4);
  const candidates = [bootstrap, ...appFiles.filter((f) => /Application\.php$/.test(f))];
  for (const abs of candidates) {
    if (!existsSync(abs)) continue;
    const text = readFileSync(abs, 'utf8');
    if (!/useConfigPath|function\s+configPath/.test(text)) continue;
    const rel = toPosix(path.relative(root, abs));
    const tree = php.parse(text);
    if (!tree) continue;
    try {
      const scope = scopeFor(rel, text, env, []);
      scope.vars.set('__DIR__', scalar(toPosix(path.dirname(rel)), { file: rel, line: 1, column: 1, endLine: 1, endColumn: 1, note: '__DIR__' }));
      scope.vars.set('$this->basePath', scalar('', { file: rel, line: 1, column: 1, endLine: 1, endColumn: 1, note: 'base path' }));
      scope.vars.set('$path', scalar('', { file: rel, line: 1, column: 1, endLine: 1, endColumn: 1, note: '$path' }));
      for (const dir of configPathsIn(tree.rootNode, scope)) if (!found.includes(dir)) found.push(dir);
    } finally {
      tree.delete();
    }
  }
  return found.length ? found : ['config'];
}

function configPathsIn(rootNode: SyntaxNode, scope: EvalScope): string[] {
  const out: string[] = [];
  const visit = (n: SyntaxNode) => {
    if (n.type === 'member_call_expression' && n.childForFieldName('name')?.text === 'useConfigPath') {
      const arg = n.childForFieldName('arguments')?.namedChildren[0]?.namedChildren[0];
      if (arg) pushPath(evaluate(arg, scope));
    }
    if (n.type === 'method_declaration' && n.childForFieldName('name')?.text === 'configPath') {
      const ret = findReturn(n);
      if (ret) pushPath(evaluate(ret, scope));
    }
    for (const c of n.namedChildren) if (c) visit(c);
  };
  const pushPath = (v: Val) => {
    if (v.t !== 'scalar' || typeof v.v !== 'string') return;
    const norm = path.posix.normalize(v.v.replace(/^\/+/, '')).replace(/\/+$/, '');
    if (norm && !norm.startsWith('..')) out.push(norm);
  };
  visit(rootNode);
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

function phpFilesUnder(dir: string, depth: number): string[] {
  if (depth < 0 || !existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...phpFilesUnder(abs, depth - 1));
    else if (e.isFile() && e.name.endsWith('.php') && !e.name.endsWith('.blade.php')) out.push(abs);
  }
  return out;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function loadEnvFiles(root: string, requested: string[] | undefined, errors: LaravelProject['errors']): EnvFile[] {
  const names = requested?.length ? requested : existsSync(path.join(root, '.env')) ? ['.env'] : existsSync(path.join(root, '.env.example')) ? ['.env.example'] : [];
  const files: EnvFile[] = [];
  const seen = new Map<string, EnvEntry>();
  for (const name of names) {
    const abs = path.isAbsolute(name) ? name : existsSync(path.resolve(name)) && requested?.length ? path.resolve(name) : path.join(root, name);
    const rel = toPosix(path.relative(root, abs));
    if (!existsSync(abs)) {
      errors.push({ file: rel, message: 'env file not found' });
      continue;
    }
    const read = readSource(abs);
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

export async function loadLaravelProject(root: string, options: LaravelOptions = {}): Promise<LaravelProject> {
  const errors: LaravelProject['errors'] = [];
  const { version, major } = detectLaravelVersion(root);
  const envFiles = loadEnvFiles(root, options.envFiles, errors);
  const env = new EnvironmentView(envFiles, options.envOverrides);
  const configDirs = await detectConfigDirs(root, options.configDir, env, options.phpFiles);
  const anchor = composerAnchor(root, major);
  const { php } = await phpParsers();

  const evalFile = (rel: string, text: string, fileAnchor?: Origin): Val | undefined => {
    const tree = php.parse(text);
    if (!tree) return undefined;
    try {
      if (tree.rootNode.hasError && !fileAnchor) errors.push({ file: rel, message: 'parse error; values in this file may be unknown' });
      return evaluateConfigFile(tree, scopeFor(rel, text, env, envFiles, fileAnchor));
    } finally {
      tree.delete();
    }
  };

  const vendorDir = path.join(root, 'vendor/laravel/framework/config');
  const embedded = frameworkDefaults(major);
  const resolved = new Map<string, { val: Val; source: 'app' | 'framework' | 'app+framework' }>();
  for (const name of CONFIG_FILES) {
    let appVal: Val | undefined;
    for (const dir of configDirs) {
      const abs = path.join(root, dir, `${name}.php`);
      if (!existsSync(abs)) continue;
      const read = readSource(abs);
      if (!read.ok) {
        errors.push({ file: `${dir}/${name}.php`, message: read.reason });
        continue;
      }
      appVal = evalFile(toPosix(path.join(dir, `${name}.php`)), read.text);
      break;
    }
    let baseVal: Val | undefined;
    if (major !== undefined && major >= 11) {
      const vendorFile = path.join(vendorDir, `${name}.php`);
      if (existsSync(vendorFile)) baseVal = evalFile(toPosix(path.relative(root, vendorFile)), readFileSync(vendorFile, 'utf8'));
      else if (embedded?.[name]) baseVal = evalFile(`(Laravel ${major} framework config/${name}.php)`, embedded[name], { ...anchor, note: `Laravel ${major} framework default for config/${name}.php` });
    }
    if (appVal && baseVal) resolved.set(name, { val: mergeLikeLaravel(name, baseVal, appVal), source: 'app+framework' });
    else if (appVal) resolved.set(name, { val: appVal, source: 'app' });
    else if (baseVal) resolved.set(name, { val: baseVal, source: 'framework' });
  }
  const envValue = (key: string): Val | undefined => {
    const e = env.get(key);
    if (!e) return undefined;
    const f = envFiles.find((x) => x.file === e.file);
    const origin: Origin = f ? { ...f.lines.lineLocation(f.file, e.line), note: EnvironmentView.display(e), fromEnv: true } : { ...anchor, note: `${key} set on the command line` };
    return scalar(castEnvValue(e.value), origin);
  };
  return {
    version,
    major,
    envValue,
    configDirs,
    envFiles: envFiles.map((f) => f.file),
    env,
    config: new LaravelConfig(resolved),
    anchor,
    errors,
  };
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
