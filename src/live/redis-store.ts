import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { reasonOf, TargetUnreachableError } from './errors.js';
import { displayUrl } from './redact.js';
import type { LiveIssue } from './report.js';

export interface StoreProbeOptions {
  url: string;
  readOnly: boolean;
  timeoutMs: number;
}

export interface StoreFacts {
  role: string | null;
  connectedReplicas: number;
  maxmemory: number | null;
  maxmemoryPolicy: string | null;
  evictedKeys: number | null;
  saveRules: string | null;
  aofEnabled: boolean | null;
  redisVersion: string | null;
}

export interface ProbeResult {
  key: string;
  written: boolean;
  readBack: boolean;
  /** ms from the write until the second connection saw the value. */
  replicationDelayMs: number | null;
  ttlSeconds: number | null;
  deleted: boolean;
  readFrom: string;
}

export interface StoreProbeResult {
  target: string;
  facts: StoreFacts;
  probe: ProbeResult | null;
  issues: LiveIssue[];
}

export const PROBE_PREFIX = 'statelint:probe:';
export const PROBE_TTL_SECONDS = 60;

/** Parses INFO output into section-less key/value pairs. */
export function parseInfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
  }
  return out;
}

const num = (v: string | undefined): number | null => (v === undefined || v === '' || Number.isNaN(Number(v)) ? null : Number(v));

const lastErrors = new WeakMap<Redis, Error>();

function connect(url: string, timeoutMs: number, name: string): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: name,
  });
  client.on('error', (e: Error) => {
    lastErrors.set(client, e); // the failing command only says "Connection is closed."
  });
  return client;
}

async function configGet(client: Redis, key: string): Promise<string | null> {
  try {
    const res = (await client.config('GET', key)) as string[];
    return res.length >= 2 ? (res[1] ?? null) : null;
  } catch {
    return null; // CONFIG disabled (managed Redis): stay unknown
  }
}

export async function readStoreFacts(client: Redis): Promise<StoreFacts> {
  const info = parseInfo(await client.info());
  const policy = info.get('maxmemory_policy') ?? (await configGet(client, 'maxmemory-policy'));
  const aof = info.get('aof_enabled');
  return {
    role: info.get('role') ?? null,
    connectedReplicas: num(info.get('connected_slaves')) ?? 0,
    maxmemory: num(info.get('maxmemory')) ?? num((await configGet(client, 'maxmemory')) ?? undefined),
    maxmemoryPolicy: policy ?? null,
    evictedKeys: num(info.get('evicted_keys')),
    saveRules: await configGet(client, 'save'),
    aofEnabled: aof === undefined ? null : aof === '1',
    redisVersion: info.get('redis_version') ?? null,
  };
}

/** The store checks over the facts; unknown facts never produce a finding. */
export function storeIssues(target: string, f: StoreFacts): LiveIssue[] {
  const issues: LiveIssue[] = [];
  const evictingPolicy = !!f.maxmemoryPolicy && f.maxmemoryPolicy.startsWith('allkeys-');
  if ((f.maxmemory ?? 0) > 0 && evictingPolicy) {
    issues.push({
      id: 'live/store-evicts-sessions',
      target,
      message: `Redis evicts any key under memory pressure (maxmemory ${f.maxmemory} bytes, maxmemory-policy ${f.maxmemoryPolicy}${f.evictedKeys ? `, ${f.evictedKeys} keys evicted so far` : ''}): sessions are deleted when memory fills up.`,
    });
  } else if ((f.evictedKeys ?? 0) > 0) {
    issues.push({
      id: 'live/store-evicts-sessions',
      target,
      message: `Redis has already evicted ${f.evictedKeys} keys (evicted_keys, maxmemory-policy ${f.maxmemoryPolicy ?? 'unknown'}): sessions may have been among them.`,
    });
  }
  if (f.saveRules !== null && f.saveRules.trim() === '' && f.aofEnabled === false) {
    issues.push({
      id: 'live/store-not-persistent',
      target,
      message: 'Redis has no RDB save rules and AOF is off: a restart of this Redis logs every user out.',
    });
  }
  if (f.role === 'master' && f.connectedReplicas === 0) {
    issues.push({
      id: 'live/store-single-point',
      target,
      message: 'Standalone Redis with no replica (role master, connected_slaves 0): if it goes down, every session is gone.',
    });
  }
  return issues;
}

/** Address of the first connected replica from INFO replication, if any. */
function firstReplicaUrl(baseUrl: string, info: Map<string, string>): string | null {
  const slave = info.get('slave0');
  if (!slave) return null;
  const fields = new Map(slave.split(',').map((kv) => kv.split('=') as [string, string]));
  const ip = fields.get('ip');
  const port = fields.get('port');
  if (!ip || !port) return null;
  const u = new URL(baseUrl);
  u.hostname = ip;
  u.port = port;
  return u.toString();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Probes a standalone Redis: reads INFO/CONFIG, writes `statelint:probe:<random>` (60 s TTL) through one
 * connection, reads it through a second one (a replica when there is one), deletes it (also on SIGINT).
 * With readOnly nothing is written.
 */
export async function probeRedis(opts: StoreProbeOptions): Promise<StoreProbeResult> {
  const target = displayUrl(opts.url);
  const writer = connect(opts.url, opts.timeoutMs, 'statelint-writer');
  try {
    await writer.connect();
    await writer.ping();
  } catch (e) {
    writer.disconnect();
    throw new TargetUnreachableError(`redis ${target} did not answer (${reasonOf(lastErrors.get(writer) ?? e, opts.timeoutMs)})`);
  }
  let reader: Redis | null = null;
  let key: string | null = null;
  const cleanup = async () => {
    if (key && !opts.readOnly) {
      try {
        await writer.del(key);
      } catch {
        /* it expires within 60 s anyway */
      }
    }
  };
  const onSigint = () => {
    void cleanup().finally(() => {
      writer.disconnect();
      reader?.disconnect();
      process.exit(130);
    });
  };
  process.once('SIGINT', onSigint);
  try {
    const facts = await readStoreFacts(writer);
    const issues = storeIssues(target, facts);
    let probe: ProbeResult | null = null;
    if (!opts.readOnly) {
      const replication = parseInfo(await writer.info('replication'));
      const replicaUrl = firstReplicaUrl(opts.url, replication);
      reader = connect(replicaUrl ?? opts.url, opts.timeoutMs, 'statelint-reader');
      try {
        await reader.connect();
      } catch {
        reader.disconnect();
        reader = connect(opts.url, opts.timeoutMs, 'statelint-reader');
        await reader.connect();
      }
      key = PROBE_PREFIX + randomBytes(12).toString('hex');
      const value = JSON.stringify({ by: 'statelint', at: Date.now() });
      const started = Date.now();
      await writer.set(key, value, 'EX', PROBE_TTL_SECONDS);
      let seen = false;
      while (Date.now() - started < Math.min(opts.timeoutMs, 3000)) {
        if ((await reader.get(key)) === value) {
          seen = true;
          break;
        }
        await sleep(20);
      }
      const delay = seen ? Date.now() - started : null;
      const ttl = await writer.ttl(key);
      const removed = await writer.del(key);
      key = null;
      probe = {
        key: PROBE_PREFIX + '*',
        written: true,
        readBack: seen,
        replicationDelayMs: delay,
        ttlSeconds: ttl >= 0 ? ttl : null,
        deleted: removed === 1,
        readFrom: replicaUrl ? displayUrl(replicaUrl) : 'second connection to the same server',
      };
    }
    return { target, facts, probe, issues };
  } catch (e) {
    if (e instanceof TargetUnreachableError) throw e;
    throw new TargetUnreachableError(`redis ${target} did not answer (${reasonOf(e, opts.timeoutMs)})`);
  } finally {
    await cleanup();
    process.removeListener('SIGINT', onSigint);
    writer.disconnect();
    reader?.disconnect();
  }
}
