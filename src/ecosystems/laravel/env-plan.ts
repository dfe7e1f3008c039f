import type { Finding } from '../../engine/finding.js';
import { asString, type Val } from '../../engine/values.js';
import type { EnvLine, EnvPlanDraft, EnvPlanItem } from '../types.js';
import { envKeyOf, hardCoded } from './env-keys.js';
import { scheduleLockStore } from './facts.js';
import type { LaravelProject } from './project.js';

/**
 * `statelint env` for a Laravel app: for each config-level finding, the env lines production needs,
 * named as this app's config reads them (followed through each value's origin). Values are only
 * ones the app's own config makes work (a redis store, an s3 disk, a stderr channel it defines);
 * the api proves each item by auditing again with the lines on top.
 */
export function laravelEnvPlan(project: LaravelProject, findings: Finding[], configFiles: string[]): EnvPlanDraft {
  const draft: EnvPlanDraft = { items: [], needsCode: [], unresolved: [] };
  const get = (k: string) => project.config.get(k);
  const configLevel = (f: Finding) => configFiles.includes(f.location.file) || f.location.file === project.anchor.file;
  const claimsOf = (rule: string, all = false) => findings.filter((f) => f.ruleId === rule && (all || configLevel(f)));
  const named = (section: string, test: (name: string) => boolean, prefer: string) => {
    const v = get(section);
    const names = v?.t === 'array' ? v.entries.map((e) => String(e.key)).filter(test) : [];
    return names.includes(prefer) ? prefer : names[0];
  };
  const redisStore = named('cache.stores', (n) => asString(get(`cache.stores.${n}.driver`)) === 'redis', 'redis');
  const redisHost = placeholder(get('database.redis.default.host') ?? get('database.redis.cache.host'), '<your-redis-host>');

  /** One setting: the env variable that decides it, else why no env line can. */
  const plan = (rule: string, setting: string, value: string | undefined, why: string, extra: EnvLine[], claims: Finding[], noValue: string) => {
    if (!claims.length) return;
    const v = get(setting);
    const key = envKeyOf(v);
    if (!value) return draft.unresolved.push({ rule, reason: noValue });
    if (!key) {
      const lit = hardCoded(v);
      return lit
        ? draft.needsCode.push({ rule, reason: `${setting} is hard-coded in ${lit.file}:${lit.line}: run statelint --fix --unsafe-fixes to make it read an env variable` })
        : draft.unresolved.push({ rule, reason: `${setting} is not read from any env variable statelint can follow` });
    }
    const same = draft.items.find((i) => i.lines[0]?.key === key);
    if (same && same.lines[0].value === value) {
      same.rules.push(rule);
      same.claims.push(...claims);
      return;
    }
    draft.items.push({ rules: [rule], reason: why, lines: [{ key, value }, ...extra], claims });
  };

  plan('laravel/session-store-local', 'session.driver', 'redis', 'sessions kept in one store every node shares', redisHost, claimsOf('laravel/session-store-local'), '');
  plan('laravel/cache-store-local', 'cache.default', redisStore, 'one cache (and locks, rate limits) shared by every node', redisHost, claimsOf('laravel/cache-store-local'), 'config/cache.php defines no redis store to point the cache at');

  // The scheduler's lock store: cache.schedule_store, else SCHEDULE_CACHE_DRIVER/STORE, else the default store.
  const lock = claimsOf('laravel/schedule-lock-local', true);
  if (lock.length) {
    const { decidedBy } = scheduleLockStore(project);
    const viaDefault = decidedBy === get('cache.default') || (decidedBy && sameLine(decidedBy, get('cache.default')));
    plan('laravel/schedule-lock-local', viaDefault ? 'cache.default' : 'cache.schedule_store', redisStore, 'scheduler locks in a store every node shares', redisHost, lock, 'config/cache.php defines no redis store for the scheduler locks');
    if (!viaDefault && decidedBy?.origin.fromEnv) {
      // Decided by SCHEDULE_CACHE_DRIVER/STORE in an env file, which plan() cannot follow through cache.schedule_store.
      const key = /^(\w+)=/.exec(decidedBy.origin.note)?.[1];
      const last = draft.needsCode.at(-1) ?? draft.unresolved.at(-1);
      if (key && redisStore && last?.rule === 'laravel/schedule-lock-local') {
        draft.needsCode = draft.needsCode.filter((x) => x !== last);
        draft.unresolved = draft.unresolved.filter((x) => x !== last);
        draft.items.push({ rules: ['laravel/schedule-lock-local'], reason: 'scheduler locks in a store every node shares', lines: [{ key, value: redisStore }, ...redisHost], claims: lock });
      }
    }
  }

  const s3 = named('filesystems.disks', (n) => asString(get(`filesystems.disks.${n}.driver`)) === 's3', 's3');
  const s3Lines = s3 ? [...placeholder(get(`filesystems.disks.${s3}.bucket`), '<your-bucket>'), ...placeholder(get(`filesystems.disks.${s3}.region`), '<your-region>')] : [];
  plan('laravel/filesystem-disk-local', 'filesystems.default', s3, `files on the shared '${s3}' disk (credentials go in your secret store, not here)`, s3Lines, claimsOf('laravel/filesystem-disk-local'), 'config/filesystems.php defines no s3 disk to make the default');

  if (project.appLogging) {
    // Laravel 5.5 and earlier: config('app.log') picks the handler; errorlog hands lines to PHP's error_log.
    plan('laravel/log-channel-local', 'app.log', 'errorlog', "logs through PHP's error_log, collected by the platform", [], claimsOf('laravel/log-channel-local'), '');
  } else {
    const stderr = named('logging.channels', (n) => isStderrChannel(project, n), 'stderr');
    plan('laravel/log-channel-local', 'logging.default', stderr, 'logs to stderr, collected by the platform', [], claimsOf('laravel/log-channel-local'), 'config/logging.php defines no stderr channel to log to');
  }

  const dbConn = named('database.connections', (n) => ['mysql', 'mariadb', 'pgsql', 'sqlsrv'].includes(asString(get(`database.connections.${n}.driver`)) ?? ''), 'mysql');
  const dbLines = dbConn ? [...placeholder(get(`database.connections.${dbConn}.host`), '<your-db-host>'), ...placeholder(get(`database.connections.${dbConn}.database`), '<your-db-name>')] : [];
  plan('laravel/database-local-sqlite', 'database.default', dbConn, `a ${dbConn ?? ''} server every node reaches (its password goes in your secret store)`, dbLines, claimsOf('laravel/database-local-sqlite'), 'config/database.php defines no database server connection');

  const maintStoreKey = envKeyOf(get('app.maintenance.store'));
  const maintStore: EnvLine[] = maintStoreKey && redisStore ? [{ key: maintStoreKey, value: redisStore }, ...redisHost] : [];
  plan('laravel/maintenance-mode-local', 'app.maintenance.driver', 'cache', 'maintenance mode in the shared cache, so `artisan down` reaches every node', maintStore, claimsOf('laravel/maintenance-mode-local'), '');

  for (const item of draft.items) item.lines = dedupe(item.lines);
  return draft;
}

function placeholder(v: Val | undefined, value: string): EnvLine[] {
  const key = envKeyOf(v);
  return key ? [{ key, value, placeholder: true }] : [];
}

function isStderrChannel(project: LaravelProject, name: string): boolean {
  const get = (k: string) => asString(project.config.get(`logging.channels.${name}.${k}`));
  return get('driver') === 'monolog' && /php:\/\/stderr/.test(get('with.stream') ?? get('handler_with.stream') ?? '');
}

function sameLine(a: Val, b: Val | undefined): boolean {
  return !!b && a.origin.file === b.origin.file && a.origin.line === b.origin.line;
}

function dedupe(lines: EnvLine[]): EnvLine[] {
  return lines.filter((l, i) => lines.findIndex((x) => x.key === l.key) === i);
}

export type { EnvPlanItem };
