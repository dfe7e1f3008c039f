import type { ts as T } from 'ts-morph';
import type { ProjectFs } from '../../project/fs.js';
import type { LoadOptions } from '../types.js';
import { callsIn, qname } from './ast.js';
import { evaluate, objectProps, valueNode } from './evaluate.js';
import type { NodeFacts } from './facts.js';
import { loadNodeProject } from './project.js';
import { ts } from './tsapi.js';

/** connect-redis's key prefix when the store is given none. */
export const CONNECT_REDIS_PREFIX = 'sess:';
/** connect-redis's TTL when neither `ttl` nor `cookie.maxAge` is set: one day. */
export const CONNECT_REDIS_TTL_SECONDS = 86_400;

/**
 * Where an Express app keeps its sessions, from its code (express-session's options and the store given to it),
 * for `statelint live <project>`: the key a session id has in Redis is `prefix + id`.
 */
export interface NodeSessionConfig {
  /** The express-session call (project path, 1-based line). */
  file: string;
  line: number;
  /** The cookie name (`name` option, default connect.sid); undefined when it could not be worked out. */
  cookie?: string;
  store: 'memory' | 'connect-redis' | 'other';
  /** connect-redis: the key prefix (its default `sess:` when the option is absent); undefined when unknown. */
  prefix?: string;
  /** Where the prefix came from ("default of connect-redis", "src/app.ts:12"). */
  prefixFrom?: string;
  /** connect-redis: the TTL it sets (`ttl`, else cookie.maxAge, else one day); undefined when unknown. */
  ttlSeconds?: number;
  /** The redis:// URL of the store's client, when the code and env files decide it (may carry a password). */
  redisUrl?: string;
  /** What could not be decided (said in the live report, never guessed). */
  notes: string[];
}

const REDIS_CLIENT = /^(?:ioredis#(?:default|Redis|)|redis#createClient|@redis\/client#createClient)(?:\(\))?$/;

/** Every express-session of the project's server packages and its store. Loads the compiler. */
export async function readNodeSessions(fs: ProjectFs, options: LoadOptions): Promise<NodeSessionConfig[]> {
  const nf = await loadNodeProject(fs, options);
  const out: NodeSessionConfig[] = [];
  for (const file of [...nf.serverFiles].sort()) {
    if (!/express-session/.test(nf.textOf(file) ?? '')) continue;
    const sf = nf.sourceFile(file);
    if (!sf) continue;
    for (const call of callsIn(sf)) {
      if (!ts.isCallExpression(call) || qname(call.expression) !== 'express-session#') continue;
      out.push(sessionConfig(nf, file, sf, call));
    }
  }
  return out;
}

function sessionConfig(nf: NodeFacts, file: string, sf: T.SourceFile, call: T.CallExpression): NodeSessionConfig {
  const line = sf.getLineAndCharacterOfPosition(call.getStart(sf)).line + 1;
  const notes: string[] = [];
  const opts = objectProps(nf, call.arguments[0]);
  const cfg: NodeSessionConfig = { file, line, store: 'other', notes };
  const at = `${file}:${line}`;
  if (!opts) {
    notes.push(`the options of express-session at ${at} could not be resolved`);
    return cfg;
  }
  const name = opts.props.get('name');
  const nameVal = name ? evaluate(nf, name) : undefined;
  if (!name) cfg.cookie = opts.unknownSpread ? undefined : 'connect.sid';
  else if (nameVal?.t === 'scalar' && typeof nameVal.v === 'string') cfg.cookie = nameVal.v;
  const storeExpr = opts.props.get('store');
  const store = storeExpr ? valueNode(nf, storeExpr) : undefined;
  if (!storeExpr || !store) {
    cfg.store = opts.unknownSpread ? 'other' : 'memory';
    return cfg;
  }
  if (!(ts.isNewExpression(store) || ts.isCallExpression(store)) || !isConnectRedis(nf, store.expression)) return cfg;
  cfg.store = 'connect-redis';
  const storeOpts = objectProps(nf, store.arguments?.[0]);
  const prefix = storeOpts?.props.get('prefix');
  if (!prefix) {
    if (storeOpts && !storeOpts.unknownSpread) {
      cfg.prefix = CONNECT_REDIS_PREFIX;
      cfg.prefixFrom = 'default of connect-redis';
    } else notes.push(`the options of the connect-redis store at ${at} could not be resolved, so its key prefix is unknown`);
  } else {
    const v = evaluate(nf, prefix);
    if (v.t === 'scalar' && typeof v.v === 'string') {
      cfg.prefix = v.v;
      cfg.prefixFrom = v.origin.fromEnv ? `${v.origin.file}:${v.origin.line}` : `${nf.pathOf(prefix.getSourceFile())}:${sf.getLineAndCharacterOfPosition(prefix.getStart()).line + 1}`;
    } else notes.push(`the connect-redis prefix at ${at} could not be resolved (${v.t === 'unknown' ? v.why : 'not a string'})`);
  }
  const ttl = storeOpts?.props.get('ttl');
  const cookieOpts = objectProps(nf, opts.props.get('cookie'));
  const maxAge = cookieOpts?.props.get('maxAge');
  if (ttl) {
    const v = evaluate(nf, ttl);
    if (v.t === 'scalar' && typeof v.v === 'number') cfg.ttlSeconds = v.v;
  } else if (maxAge) {
    const v = evaluate(nf, maxAge);
    if (v.t === 'scalar' && typeof v.v === 'number') cfg.ttlSeconds = Math.round(v.v / 1000);
  } else if (!cookieOpts?.unknownSpread) cfg.ttlSeconds = CONNECT_REDIS_TTL_SECONDS;
  const client = storeOpts?.props.get('client');
  cfg.redisUrl = client ? clientUrl(nf, client) : undefined;
  if (!cfg.redisUrl) notes.push(`the Redis server of the connect-redis store at ${at} could not be worked out from the code and env files (pass --redis URL)`);
  return cfg;
}

/** `RedisStore` from connect-redis 7/8 (`import RedisStore`, `{ RedisStore }`) or 3-6 (`require('connect-redis')(session)`). */
function isConnectRedis(nf: NodeFacts, callee: T.Expression): boolean {
  const q = qname(callee);
  if (q?.startsWith('connect-redis#')) return true;
  const v = valueNode(nf, callee);
  return !!v && ts.isCallExpression(v) && !!qname(v.expression)?.startsWith('connect-redis#');
}

/** The URL an ioredis / node-redis client connects to: `new Redis(url)`, `new Redis({ host, port, db })`, `createClient({ url })`. */
function clientUrl(nf: NodeFacts, e: T.Expression): string | undefined {
  const c = valueNode(nf, e);
  if (!c || !(ts.isNewExpression(c) || ts.isCallExpression(c)) || !REDIS_CLIENT.test(qname(c.expression) ?? '')) return undefined;
  const first = c.arguments?.[0];
  const str = (x: T.Expression | undefined) => {
    if (!x) return undefined;
    const v = evaluate(nf, x);
    return v.t === 'scalar' && v.v !== null && v.v !== '' ? String(v.v) : undefined;
  };
  if (!first) return 'redis://127.0.0.1:6379';
  const direct = str(first);
  if (direct && /^rediss?:\/\//.test(direct)) return direct;
  const o = objectProps(nf, first);
  if (!o || o.unknownSpread) return undefined;
  const url = str(o.props.get('url'));
  if (url) return /^rediss?:\/\//.test(url) ? url : undefined;
  const host = o.props.has('host') ? str(o.props.get('host')) : '127.0.0.1';
  const port = o.props.has('port') ? str(o.props.get('port')) : '6379';
  const db = o.props.has('db') ? str(o.props.get('db')) : undefined;
  if (!host || !port || !/^\d+$/.test(port) || /[\s/@]/.test(host)) return undefined;
  return `redis://${host}:${port}${db && /^\d+$/.test(db) ? `/${db}` : ''}`;
}
