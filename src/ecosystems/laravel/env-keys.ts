import type { Val } from '../../engine/values.js';
import type { LaravelFacts } from './facts.js';

/** Which env variable decides a config value: shared by the rules' fixes and `statelint env`. */
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
    // Laravel 5.5 and earlier: config/app.php's 'log' => env('APP_LOG', 'single').
    case 'app.log':
      return 'APP_LOG';
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
