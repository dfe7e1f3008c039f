import { laravel } from '../ecosystems/laravel/index.js';
import { loadLaravelProject } from '../ecosystems/laravel/project.js';
import { node } from '../ecosystems/node/index.js';
import { DiskFs, type ProjectFs } from '../project/fs.js';
import { at, type Val } from '../engine/values.js';

/** Where the project's configuration says sessions live in Redis. */
export interface RedisSessionTarget {
  /** `default`, `cache`, or a cluster name. */
  connection: string;
  kind: 'standalone' | 'cluster';
  /** redis:// URLs (one for standalone, every seed node for a cluster); may carry a password: redact. */
  urls: string[];
  db: number;
  password?: string;
  /** `database.redis.options.prefix` (phpredis OPT_PREFIX / predis prefix). */
  clientPrefix: string;
  /** The cache store prefix the session store uses (`cache.stores.<store>.prefix ?? cache.prefix`). */
  cachePrefix: string;
  /** Laravel 13 `session.prefix`, when set. */
  sessionPrefix?: string;
}

/** What `statelint live <project>` reads from the project's effective config (the audit's resolver). */
export interface ProjectSettings {
  appKey?: string;
  cipher?: string;
  cookie?: string;
  lifetimeMinutes?: number;
  driver?: string;
  laravelMajor?: number;
  redis?: RedisSessionTarget;
  /**
   * A Node app (express-session): where its code keeps sessions. With connect-redis a session id's key is
   * `prefix + id` (default prefix `sess:`); `redis` is then the store's client when its URL is known.
   */
  node?: { file: string; line: number; store: 'memory' | 'connect-redis' | 'other'; prefix?: string; prefixFrom?: string; ttlSeconds?: number };
  /** Config values that could not be resolved statically (said in the report, never guessed). */
  notes: string[];
  /** Node: why the store's Redis server is not known (reported only when no --redis/--sentinel/--cluster is given). */
  unresolvedStore?: string;
}

const str = (v: Val | undefined): string | undefined => (v?.t === 'scalar' && v.v !== null && typeof v.v !== 'boolean' ? String(v.v) : undefined);

function redisUrl(host: string, port: string, password: string | undefined, username: string | undefined, scheme: string): string {
  const u = new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`);
  if (password) u.password = encodeURIComponent(password);
  if (username) u.username = encodeURIComponent(username);
  return u.toString().replace(/\/$/, '');
}

type ConnectionUrl = { url: string; db: number; password?: string } | { invalid: string };

/**
 * The redis:// URL of a `database.redis.<name>` entry, or why it is not a usable address (a port that is
 * not 1-65535, a host with spaces, a url that does not parse, a database that is not a number). The
 * password is never part of the reason.
 */
function connectionUrl(conn: Val | undefined, name: string): ConnectionUrl | undefined {
  if (!conn || conn.t !== 'array') return undefined;
  const url = str(at(conn, 'url'));
  const host = str(at(conn, 'host')) ?? '127.0.0.1';
  const port = str(at(conn, 'port')) ?? '6379';
  const password = str(at(conn, 'password')) || undefined;
  const username = str(at(conn, 'username')) || undefined;
  const rawDb = str(at(conn, 'database'));
  const scheme = str(at(conn, 'scheme')) === 'tls' ? 'rediss' : 'redis';
  if (rawDb !== undefined && rawDb !== '' && !/^\d{1,9}$/.test(rawDb.trim())) return { invalid: `${name} has database "${rawDb}", which is not a number` };
  const db = Number(rawDb ?? 0) || 0;
  if (url) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      /* reported below */
    }
    if (!parsed || !['redis:', 'rediss:', 'tls:'].includes(parsed.protocol)) return { invalid: `${name} has a url that is not a redis:// or rediss:// URL` };
    return { url, db, password };
  }
  if (!/^\d{1,5}$/.test(port.trim()) || Number(port) < 1 || Number(port) > 65535) return { invalid: `${name} has port "${port}", which is not a TCP port (1-65535)` };
  if (!host || /[\s/?#@]/.test(host)) return { invalid: `${name} has host "${host}", which is not a host name or address` };
  try {
    return { url: redisUrl(host, port.trim(), password, username, scheme), db, password };
  } catch {
    return { invalid: `${name} has host "${host}" and port "${port}", which do not form a valid address` };
  }
}

/**
 * Reads APP_KEY, cipher, the session cookie name, lifetime, driver and the Redis connection that holds
 * sessions from a Laravel project's effective configuration. Unknown values stay undefined.
 */
export async function readProjectSettings(root: string, options: { envFiles?: string[]; envOverrides?: Record<string, string> } = {}): Promise<ProjectSettings> {
  const disk = new DiskFs(root);
  // A Node server app (and no Laravel app): express-session's options and store, read from its code.
  if (!laravel.detect(disk, {}) && node.detect(disk, {})) return readNodeSettings(disk, options);
  const project = await loadLaravelProject(disk, options);
  const c = (k: string) => project.config.get(k);
  const notes: string[] = [];
  const appKey = str(c('app.key')) || str(project.envValue('APP_KEY')) || undefined;
  const driver = str(c('session.driver'));
  const lifetime = Number(str(c('session.lifetime')));
  const out: ProjectSettings = {
    appKey,
    cipher: str(c('app.cipher')),
    cookie: str(c('session.cookie')),
    lifetimeMinutes: Number.isFinite(lifetime) && lifetime > 0 ? lifetime : undefined,
    driver,
    laravelMajor: project.major,
    notes,
  };
  if (driver === undefined) notes.push('session.driver could not be resolved from the project; the session key check did not run');
  if (driver !== 'redis') return out;
  const connection = str(c('session.connection')) || 'default';
  const store = str(c('session.store')) || 'redis';
  const cachePrefix = str(c(`cache.stores.${store}.prefix`)) ?? str(c('cache.prefix'));
  const clientPrefix = str(c('database.redis.options.prefix')) ?? '';
  if (cachePrefix === undefined) {
    notes.push('cache.prefix could not be resolved from the project; the session key check did not run');
    return out;
  }
  const sessionPrefix = str(c('session.prefix')) || undefined;
  const clusterNodes = c(`database.redis.clusters.${connection}`);
  if (clusterNodes?.t === 'array') {
    const urls: string[] = [];
    let password: string | undefined;
    for (const e of clusterNodes.entries) {
      if (e.key === 'options') continue;
      const u = connectionUrl(e.value, `database.redis.clusters.${connection}.${String(e.key)}`);
      if (u && 'invalid' in u) {
        notes.push(`${u.invalid}; the store probe and the session key check did not run`);
        return out;
      }
      if (u) {
        urls.push(u.url);
        password ??= u.password;
      }
    }
    if (urls.length) out.redis = { connection, kind: 'cluster', urls, db: 0, password, clientPrefix, cachePrefix, sessionPrefix };
    return out;
  }
  const conn = connectionUrl(c(`database.redis.${connection}`), `database.redis.${connection}`);
  if (!conn) {
    notes.push(`database.redis.${connection} could not be resolved from the project; the session key check did not run`);
    return out;
  }
  if ('invalid' in conn) {
    notes.push(`${conn.invalid}; the store probe and the session key check did not run`);
    return out;
  }
  out.redis = { connection, kind: 'standalone', urls: [conn.url], db: conn.db, password: conn.password, clientPrefix, cachePrefix, sessionPrefix };
  return out;
}

/**
 * The Redis keys a Laravel session id can have, most likely first for the given major version
 * (docs/ARCHITECTURE.md, "Live"): 8-10 append ':' to a non-empty cache prefix, 11+ do not.
 */
export function laravelSessionKeyCandidates(t: Pick<RedisSessionTarget, 'clientPrefix' | 'cachePrefix' | 'sessionPrefix'>, id: string, major?: number): { key: string; layout: string }[] {
  const prefixes = [t.sessionPrefix, t.cachePrefix].filter((p): p is string => p !== undefined);
  const out: { key: string; layout: string }[] = [];
  for (const p of prefixes) {
    const colon = { key: `${t.clientPrefix}${p}${p ? ':' : ''}${id}`, layout: 'Laravel 8-10 (prefix + ":" + id)' };
    const plain = { key: `${t.clientPrefix}${p}${id}`, layout: 'Laravel 11+ (prefix + id, no ":")' };
    const ordered = major !== undefined && major >= 11 ? [plain, colon] : [colon, plain];
    for (const k of ordered) if (!out.some((o) => o.key === k.key)) out.push(k);
  }
  return out;
}

/**
 * The session settings of a Node server app: the express-session cookie name, and for a connect-redis store
 * its key prefix (default `sess:`), TTL and Redis URL (from the code and env files; `--env` on top).
 */
async function readNodeSettings(fs: ProjectFs, options: { envFiles?: string[]; envOverrides?: Record<string, string> }): Promise<ProjectSettings> {
  // The compiler loads here: only `statelint live <node app>` pays for it.
  const { readNodeSessions } = await import('../ecosystems/node/session.js');
  const sessions = await readNodeSessions(fs, { envFiles: options.envFiles, env: options.envOverrides });
  const notes: string[] = [];
  if (!sessions.length) {
    notes.push('no express-session call was found in the server code; the session key check did not run');
    return { notes };
  }
  // One app, one session middleware: the first one found decides; more are said in the notes.
  const s = sessions[0]!;
  if (sessions.length > 1) notes.push(`${sessions.length} express-session calls were found (${sessions.map((x) => `${x.file}:${x.line}`).join(', ')}); the key check uses ${s.file}:${s.line}`);
  const out: ProjectSettings = {
    cookie: s.cookie,
    driver: s.store === 'connect-redis' ? 'redis' : s.store,
    node: { file: s.file, line: s.line, store: s.store, prefix: s.prefix, prefixFrom: s.prefixFrom, ttlSeconds: s.ttlSeconds },
    notes,
  };
  if (s.store !== 'connect-redis') return out;
  // Only the notes that stop the key check: an unknown prefix, an unknown server (unless --redis names one: see live.ts).
  if (s.prefix === undefined) notes.push(...s.notes.filter((n) => /prefix/.test(n)).map((n) => `${n}; the session key check did not run`));
  if (s.redisUrl) {
    let db = 0;
    let password: string | undefined;
    try {
      const u = new URL(s.redisUrl);
      db = /^\/\d+$/.test(u.pathname) ? Number(u.pathname.slice(1)) : 0;
      password = u.password ? decodeURIComponent(u.password) : undefined;
    } catch {
      notes.push('the Redis URL of the connect-redis store is not a valid URL; the session key check did not run');
      return out;
    }
    out.redis = { connection: 'connect-redis', kind: 'standalone', urls: [s.redisUrl], db, password, clientPrefix: '', cachePrefix: '' };
  } else out.unresolvedStore = s.notes.find((n) => /Redis server/.test(n));
  return out;
}
