import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
import { asString, type Origin, type Scalar, type Val } from '../../../src/engine/values.js';
import { CONFIG_FILES } from '../../../src/ecosystems/laravel/project.js';
import { originalOf } from '../../../src/ecosystems/laravel/framework-defaults.js';

/**
 * The env var that decided a resolved value, read from the notes the config resolver leaves
 * (src/ecosystems/laravel/evaluate.ts): "X=value" on an env line, "config/x.php reads env('X')",
 * "X is not set in any env file", "X is not set and env('X') has no default".
 */
export function envVarOf(v: Val | undefined): string | undefined {
  if (!v) return undefined;
  for (const o of [v.origin, ...v.via]) {
    const m = /reads env\('(\w+)'\)|^(\w+) is not set\b/.exec(o.note) ?? (o.fromEnv ? /^(\w+)=/.exec(o.note) : null);
    if (m) return m[1] ?? m[2];
  }
  return undefined;
}

/** A config key whose value is exactly `env('X', default)` (no cast, concatenation or other expression around it). */
export interface EnvReader {
  key: string;
  /** The env() call in the config file. */
  at: Origin;
  /** The default the config file gives; `unseen` when X is set in an env file (the resolver then keeps only the env value). */
  fallback: { seen: true; value: Scalar } | { seen: false };
}

/**
 * The config key that reads env var `name` as its whole value, searched in the files the resolver
 * evaluates (CONFIG_FILES: app, session, cache, filesystems, logging, database, queue), first match wins.
 */
export function configKeyReading(laravel: LaravelFacts, name: string): EnvReader | undefined {
  const envSet = laravel.envValue(name);
  for (const file of CONFIG_FILES) {
    const found = walk(laravel.config.get(file), file, (v) => bareRead(v, name, envSet));
    if (found) return found;
  }
  return undefined;
}

function walk(v: Val | undefined, key: string, test: (v: Val) => Omit<EnvReader, 'key'> | undefined): EnvReader | undefined {
  if (!v) return undefined;
  if (v.t === 'array') {
    for (const e of v.entries) {
      if (typeof e.key !== 'string' || e.key.startsWith('<')) continue;
      const found = walk(e.value, `${key}.${e.key}`, test);
      if (found) return found;
    }
    return undefined;
  }
  const hit = test(v);
  return hit && { key, ...hit };
}

/** Is `v` the unmodified result of `env(name, ...)`? */
function bareRead(pointed: Val, name: string, envSet: Val | undefined): Omit<EnvReader, 'key'> | undefined {
  // The value as the resolver decided it (--target-env points framework defaults at the env file).
  const v = originalOf(pointed);
  if (v.t !== 'scalar') return undefined;
  if (envSet) {
    // Set in an env file: the only note is the config line reading it, and the value is the env value unchanged.
    const [read, ...more] = v.via;
    if (!v.origin.fromEnv || more.length || read?.note.endsWith(` reads env('${name}')`) !== true) return undefined;
    return envSet.t === 'scalar' && envSet.v === v.v ? { at: read, fallback: { seen: false } } : undefined;
  }
  if (v.via.length === 0 && v.origin.note === `${name} is not set and env('${name}') has no default`) return { at: v.origin, fallback: { seen: true, value: null } };
  // Not set, with a literal default: the default's own origin lies inside the env() call and nothing else took part.
  const [read, ...more] = v.via;
  if (more.length || read?.note !== `${name} is not set in any env file`) return undefined;
  const inside = v.origin.file === read.file && v.origin.line >= read.line && v.origin.line <= (read.endLine ?? read.line);
  return inside ? { at: read, fallback: { seen: true, value: v.v } } : undefined;
}

/** Drivers whose locks every server sees. */
const SHARED_LOCK_DRIVERS = new Set(['redis', 'memcached', 'dynamodb', 'database']);

/** Is cache store `store` shared between servers (so onOneServer() locks work)? database on sqlite is not. */
export function isSharedCacheStore(laravel: LaravelFacts, store: string | undefined): boolean {
  if (!store) return false;
  const driver = asString(laravel.config.get(`cache.stores.${store}.driver`));
  if (!driver || !SHARED_LOCK_DRIVERS.has(driver)) return false;
  if (driver !== 'database') return true;
  const connection = asString(laravel.config.get(`cache.stores.${store}.connection`)) ?? asString(laravel.config.get('database.default'));
  const dbDriver = connection ? asString(laravel.config.get(`database.connections.${connection}.driver`)) : undefined;
  return dbDriver !== undefined && dbDriver !== 'sqlite';
}
