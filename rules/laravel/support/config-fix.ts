import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
import type { Fix } from '../../../src/engine/finding.js';
import type { Val } from '../../../src/engine/values.js';

/** Config files whose env() reads we know (the ones the resolver evaluates). */
const CONFIG_ROOTS = ['app', 'session', 'cache', 'filesystems', 'logging', 'database', 'queue'];

/**
 * The env variable Laravel's own skeleton reads for a setting, in this app's major version
 * (the name the app's ops people will look for, and the one `statelint env` prints).
 */
export function skeletonKey(setting: string, major: number | undefined): string | undefined {
  const m = major ?? 99;
  switch (setting) {
    case 'session.driver':
      return 'SESSION_DRIVER';
    case 'cache.default':
      return m >= 11 ? 'CACHE_STORE' : 'CACHE_DRIVER';
    case 'filesystems.default':
      return m >= 9 ? 'FILESYSTEM_DISK' : 'FILESYSTEM_DRIVER';
    case 'logging.default':
      return 'LOG_CHANNEL';
    case 'database.default':
      return 'DB_CONNECTION';
    case 'app.maintenance.driver':
      return 'APP_MAINTENANCE_DRIVER';
    case 'app.maintenance.store':
      return 'APP_MAINTENANCE_STORE';
    // cache.schedule_store: Laravel reads config('cache.schedule_store') and only falls back to the env
    // variable SCHEDULE_CACHE_DRIVER (and, 11+, SCHEDULE_CACHE_STORE) when the key is absent. A hard-coded
    // schedule_store therefore hides those variables; reading the version's own name restores them.
    case 'cache.schedule_store':
      return m >= 11 ? 'SCHEDULE_CACHE_STORE' : 'SCHEDULE_CACHE_DRIVER';
  }
  return undefined;
}

const ENV_NOTE = [/reads env\('(\w+)'\)/, /^(\w+) is not set/, /^(\w+) set on the command line/];

/** The env variable a resolved value follows (the one the app's config reads for it), if any. */
export function envKeyOf(v: Val | undefined): string | undefined {
  if (!v) return undefined;
  if (v.origin.fromEnv) {
    const m = /^(\w+)=/.exec(v.origin.note);
    if (m) return m[1];
  }
  for (const o of [v.origin, ...v.via]) {
    for (const re of ENV_NOTE) {
      const m = re.exec(o.note);
      if (m) return m[1];
    }
  }
  return undefined;
}

/** Every env variable the app's config files read (from the notes the resolver left on each value). */
export function envKeysRead(laravel: LaravelFacts): Set<string> {
  const keys = new Set<string>();
  const walk = (v: Val | undefined) => {
    if (!v) return;
    const k = envKeyOf(v);
    if (k) keys.add(k);
    if (v.t === 'array') for (const e of v.entries) walk(e.value);
  };
  for (const root of CONFIG_ROOTS) walk(laravel.config.get(root));
  return keys;
}

/** A value written as a plain string literal in one of the app's own config files (no env(), no default chain). */
export function hardCoded(v: Val | undefined): { file: string; line: number; span: [number, number]; literal: string } | undefined {
  if (!v || v.t !== 'scalar' || typeof v.v !== 'string') return undefined;
  const o = v.origin;
  if (o.fromEnv || !o.span || o.file.startsWith('(') || v.via.length) return undefined;
  if (!/^(['"])[\w.\-/:]*\1$/.test(o.note)) return undefined;
  return { file: o.file, line: o.line, span: o.span, literal: o.note };
}

/**
 * The unsafe fix that makes a hard-coded config value read the skeleton's env variable, keeping the
 * literal as default (nothing changes while the variable is unset). None when the value is not
 * hard-coded, or the variable already means something else in this app's config.
 */
export function readEnvFix(laravel: LaravelFacts, setting: string, v: Val | undefined): { fix: Fix; key: string } | undefined {
  const lit = hardCoded(v);
  const key = skeletonKey(setting, laravel.major);
  if (!lit || !key || envKeysRead(laravel).has(key)) return undefined;
  return {
    key,
    fix: {
      title: `make ${lit.file}:${lit.line} read ${key} (default ${lit.literal})`,
      applicability: 'unsafe',
      edits: [{ file: lit.file, range: lit.span, text: `env('${key}', ${lit.literal})` }],
    },
  };
}

/**
 * Remediation naming this app's own lever for a setting: the env variable its config reads, or the
 * config line to change when the value is hard-coded.
 */
export function remediationFor(laravel: LaravelFacts, setting: string, v: Val | undefined, value: string, extra = ''): string | undefined {
  if (!v) return undefined;
  const key = envKeyOf(v);
  if (key) return `Set ${key}=${value} in production's environment (this app's config reads ${key} for ${setting})${extra}.`;
  const fix = readEnvFix(laravel, setting, v);
  if (fix) return `${setting} is hard-coded in ${v.origin.file}:${v.origin.line}: make it read ${fix.key} (statelint --fix --unsafe-fixes does it), then set ${fix.key}=${value} in production${extra}.`;
  if (hardCoded(v)) return `${setting} is hard-coded in ${v.origin.file}:${v.origin.line}: change it to '${value}' or make it read an env variable production sets${extra}.`;
  return undefined;
}
