import type { Origin, Val } from '../../engine/values.js';
import type { EnvFile } from '../../project/env-files.js';
import { envKeyOf } from './env-keys.js';

/**
 * Laravel 11+ loads the framework's own config for every file the app omits and merges the app's
 * files over it (docs/ARCHITECTURE.md, "Effective configuration": Laravel 11+ merges its own config under the app's). When vendor/ is absent we evaluate
 * these summaries instead: the keys statelint reads, with the defaults each major version ships.
 * Written from the framework's documented defaults; only the keys that matter here.
 */

type Sep = { session: string; cache: string; database: string };

// 11 and 12 keep underscores in the framework defaults; 13 hyphenates (laravel/framework#56172).
const UNDERSCORE: Sep = {
  session: "Str::slug(env('APP_NAME', 'laravel'), '_').'_session'",
  cache: "Str::slug(env('APP_NAME', 'laravel'), '_').'_cache_'",
  database: "Str::slug(env('APP_NAME', 'laravel'), '_').'_database_'",
};
const HYPHEN: Sep = {
  session: "Str::slug(env('APP_NAME', 'laravel')).'-session'",
  cache: "Str::slug(env('APP_NAME', 'laravel')).'-cache-'",
  database: "Str::slug(env('APP_NAME', 'laravel')).'-database-'",
};

function files(sep: Sep): Record<string, string> {
  return {
    app: `<?php
return [
    'name' => env('APP_NAME', 'Laravel'),
    'env' => env('APP_ENV', 'production'),
    'key' => env('APP_KEY'),
    'cipher' => 'AES-256-CBC',
    'maintenance' => [
        'driver' => env('APP_MAINTENANCE_DRIVER', 'file'),
        'store' => env('APP_MAINTENANCE_STORE', 'database'),
    ],
];`,
    session: `<?php
return [
    'driver' => env('SESSION_DRIVER', 'database'),
    'lifetime' => (int) env('SESSION_LIFETIME', 120),
    'files' => storage_path('framework/sessions'),
    'connection' => env('SESSION_CONNECTION'),
    'store' => env('SESSION_STORE'),
    'cookie' => env('SESSION_COOKIE', ${sep.session}),
];`,
    cache: `<?php
return [
    'default' => env('CACHE_STORE', 'database'),
    'stores' => [
        'array' => ['driver' => 'array'],
        'database' => ['driver' => 'database', 'connection' => env('DB_CACHE_CONNECTION')],
        'file' => ['driver' => 'file', 'path' => storage_path('framework/cache/data')],
        'memcached' => ['driver' => 'memcached'],
        'redis' => ['driver' => 'redis', 'connection' => env('REDIS_CACHE_CONNECTION', 'cache')],
        'dynamodb' => ['driver' => 'dynamodb'],
        'octane' => ['driver' => 'octane'],
    ],
    'prefix' => env('CACHE_PREFIX', ${sep.cache}),
];`,
    filesystems: `<?php
return [
    'default' => env('FILESYSTEM_DISK', 'local'),
    'disks' => [
        'local' => ['driver' => 'local', 'root' => storage_path('app/private')],
        'public' => ['driver' => 'local', 'root' => storage_path('app/public')],
        's3' => ['driver' => 's3', 'bucket' => env('AWS_BUCKET')],
    ],
];`,
    logging: `<?php
return [
    'default' => env('LOG_CHANNEL', 'stack'),
    'channels' => [
        'stack' => ['driver' => 'stack', 'channels' => explode(',', env('LOG_STACK', 'single'))],
        'single' => ['driver' => 'single', 'path' => storage_path('logs/laravel.log')],
        'daily' => ['driver' => 'daily', 'path' => storage_path('logs/laravel.log')],
        'slack' => ['driver' => 'slack'],
        'papertrail' => ['driver' => 'monolog', 'handler' => env('LOG_PAPERTRAIL_HANDLER', 'Monolog\\\\Handler\\\\SyslogUdpHandler')],
        'stderr' => ['driver' => 'monolog', 'handler' => 'Monolog\\\\Handler\\\\StreamHandler', 'with' => ['stream' => 'php://stderr']],
        'syslog' => ['driver' => 'syslog'],
        'errorlog' => ['driver' => 'errorlog'],
        'null' => ['driver' => 'monolog', 'handler' => 'Monolog\\\\Handler\\\\NullHandler'],
        'emergency' => ['path' => storage_path('logs/laravel.log')],
    ],
];`,
    database: `<?php
return [
    'default' => env('DB_CONNECTION', 'sqlite'),
    'connections' => [
        'sqlite' => ['driver' => 'sqlite', 'url' => env('DB_URL'), 'database' => env('DB_DATABASE', database_path('database.sqlite'))],
        'mysql' => ['driver' => 'mysql', 'host' => env('DB_HOST', '127.0.0.1')],
        'mariadb' => ['driver' => 'mariadb', 'host' => env('DB_HOST', '127.0.0.1')],
        'pgsql' => ['driver' => 'pgsql', 'host' => env('DB_HOST', '127.0.0.1')],
        'sqlsrv' => ['driver' => 'sqlsrv', 'host' => env('DB_HOST', 'localhost')],
    ],
    'redis' => [
        'client' => env('REDIS_CLIENT', 'phpredis'),
        'options' => ['prefix' => env('REDIS_PREFIX', ${sep.database})],
        'default' => ['host' => env('REDIS_HOST', '127.0.0.1'), 'port' => env('REDIS_PORT', '6379'), 'database' => env('REDIS_DB', '0')],
        'cache' => ['host' => env('REDIS_HOST', '127.0.0.1'), 'port' => env('REDIS_PORT', '6379'), 'database' => env('REDIS_CACHE_DB', '1')],
    ],
];`,
    queue: `<?php
return [
    'default' => env('QUEUE_CONNECTION', 'database'),
    'connections' => [
        'sync' => ['driver' => 'sync'],
        'database' => ['driver' => 'database', 'connection' => env('DB_QUEUE_CONNECTION'), 'table' => env('DB_QUEUE_TABLE', 'jobs')],
        'beanstalkd' => ['driver' => 'beanstalkd', 'host' => env('BEANSTALKD_QUEUE_HOST', 'localhost')],
        'sqs' => ['driver' => 'sqs'],
        'redis' => ['driver' => 'redis', 'connection' => env('REDIS_QUEUE_CONNECTION', 'default')],
    ],
];`,
  };
}

const BY_MAJOR: Record<number, Record<string, string>> = {
  11: files(UNDERSCORE),
  12: files(UNDERSCORE),
  13: files(HYPHEN),
};

/** Config files the framework supplies for a major version, or undefined before 11 (no merging). */
export function frameworkDefaults(major: number | undefined): Record<string, string> | undefined {
  if (major === undefined || major < 11) return undefined;
  return BY_MAJOR[major] ?? BY_MAJOR[13];
}

/** Keys whose sub-arrays Laravel 11+ merges entry by entry (LoadConfiguration::mergeableOptions). */
export const MERGEABLE: Record<string, string[]> = {
  auth: ['guards', 'providers', 'passwords'],
  broadcasting: ['connections'],
  cache: ['stores'],
  database: ['connections'],
  filesystems: ['disks'],
  logging: ['channels'],
  mail: ['mailers'],
  queue: ['connections'],
};

/** A value as the resolver decided it, before --target-env pointed it at the env file (see pointDefaultsAtEnvFile). */
const unpointed = new WeakMap<Val, Val>();

export function originalOf(v: Val): Val {
  return unpointed.get(v) ?? v;
}

const FRAMEWORK_CONFIG = /^vendor\/laravel\/framework\/config\//;

/**
 * `--target-env NAME`: a value no env file sets, so the framework's own default decides it (the embedded
 * defaults, pointed at composer.json's laravel/framework line, or vendor's config file), is pointed at the
 * target env file, where the fix goes: its commented-out `# KEY=...` line, else its last line. The framework
 * default stays as the first related line. App config defaults keep pointing at the app's config line.
 */
export function pointDefaultsAtEnvFile<T extends { get(key: string): Val | undefined }>(config: T, envFile: EnvFile | undefined, anchor: Origin): T {
  if (!envFile) return config;
  const get = config.get.bind(config);
  const done = new WeakMap<Val, Val>();
  const fromFramework = (o: Origin) => !o.fromEnv && ((o.file === anchor.file && o.line === anchor.line) || FRAMEWORK_CONFIG.test(o.file));
  const lineFor = (key: string): Origin => {
    const { lines } = envFile;
    const commented = new RegExp(`^\\s*#\\s*(?:export\\s+)?${key}\\s*=`);
    let last = 1;
    for (let l = 1; l <= lines.lineCount; l++) {
      const text = lines.lineText(l);
      if (commented.test(text)) return { ...lines.lineLocation(envFile.file, l), note: `${key} is commented out in ${envFile.file}` };
      if (text.trim()) last = l;
    }
    return { ...lines.lineLocation(envFile.file, last), note: `${key} is not set in ${envFile.file}` };
  };
  const point = (v: Val, depth: number): Val => {
    const seen = done.get(v);
    if (seen) return seen;
    let out = v;
    if (v.t === 'array' && depth < 8) {
      const entries = v.entries.map((e) => ({ key: e.key, value: point(e.value, depth + 1) }));
      if (entries.some((e, i) => e.value !== v.entries[i].value)) out = { ...v, entries };
    } else if (v.t !== 'array' && fromFramework(v.origin)) {
      const key = envKeyOf(v);
      if (key) {
        const at = lineFor(key);
        const framework = v.origin.note.replace(/ for config\/\w+\.php$/, '');
        out = { ...v, origin: { ...at, note: `${/framework default/.test(framework) ? framework : 'framework default'} (${at.note}; the fix goes here)` }, via: [v.origin, ...v.via] };
        unpointed.set(out, v);
      }
    }
    done.set(v, out);
    return out;
  };
  config.get = (key: string) => {
    const v = get(key);
    return v ? point(v, 0) : v;
  };
  return config;
}
