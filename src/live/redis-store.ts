import { randomBytes } from 'node:crypto';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { bounded, reasonOf, TargetUnreachableError } from './errors.js';
import { displayUrl } from './redact.js';
import type { LiveIssue } from './report.js';
import { certificateProblem, trustedCas } from './tls.js';

/**
 * How to reach a store's servers. `password` is the Redis AUTH password (a password in a redis:// URL
 * wins); `sentinelPassword` authenticates to the Sentinel processes; `tls` turns TLS on for Sentinel and
 * Cluster (standalone: the rediss:// scheme, or `tls`); `ca` adds private CA certificates (PEM) to Node's
 * public roots. Certificate verification is never turned off.
 */
export interface StoreAccess {
  password?: string;
  sentinelPassword?: string;
  tls?: boolean;
  ca?: string[];
}

/** A session store given on the command line (or resolved from the project). */
export type StoreTarget = StoreAccess &
  (
    | { kind: 'standalone'; url: string }
    | { kind: 'sentinel'; sentinels: HostPort[]; name: string }
    | { kind: 'cluster'; nodes: HostPort[] }
  );

export interface HostPort {
  host: string;
  port: number;
}

export interface StoreProbeOptions extends StoreAccess {
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
  kind?: StoreTarget['kind'];
  /** Sentinel: the master and replicas Sentinel names; Cluster: the masters and their replicas. */
  topology?: Record<string, unknown>;
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

const lastErrors = new WeakMap<object, Error>();

/** How long a closed connection may wait for the server to acknowledge before its socket is destroyed. */
const DISCONNECT_MS = 200;

function baseOptions(timeoutMs: number, name: string): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: name,
    // disconnect() half-closes and waits this long for the server's FIN: a stopped server never sends it.
    disconnectTimeout: DISCONNECT_MS,
  };
}

function track<T extends Redis | Cluster>(client: T): T {
  client.on('error', (e: Error) => {
    lastErrors.set(client, e);
  });
  return client;
}

/** TLS options for ioredis: verification on, Node's roots plus the private CA. */
function tlsOptions(a: StoreAccess): { ca?: string[]; rejectUnauthorized: true } {
  const ca = trustedCas(a.ca);
  return ca ? { ca, rejectUnauthorized: true } : { rejectUnauthorized: true };
}

function connect(url: string, timeoutMs: number, name: string, access: StoreAccess = {}): Redis {
  const secure = url.startsWith('rediss:') || !!access.tls;
  const client = new Redis(url, { ...baseOptions(timeoutMs, name), password: access.password, tls: secure ? tlsOptions(access) : undefined });
  client.on('error', (e: Error) => {
    lastErrors.set(client, e); // the failing command only says "Connection is closed."
  });
  return client;
}

/**
 * Connects within `timeoutMs` in total: ioredis's own connectTimeout covers only the TCP connect, and a
 * server that accepts but never answers (stopped, overloaded) would otherwise hold the ready check,
 * CLIENT SETNAME and retries for several timeouts. On timeout the client is disconnected.
 */
async function ready(client: Redis, timeoutMs: number): Promise<void> {
  await bounded(client.connect(), timeoutMs, () => client.disconnect());
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
export function storeIssues(target: string, f: StoreFacts, singlePoint = true): LiveIssue[] {
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
  if (singlePoint && f.role === 'master' && f.connectedReplicas === 0) {
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

type Client = Redis | Cluster;

/** Parses `host:port[,host:port...]` (IPv6 as [::1]:port). */
export function parseHostPorts(raw: string, flag: string): HostPort[] {
  const out: HostPort[] = [];
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(part);
    if (!m) throw new Error(`${flag} expects HOST:PORT, got "${part}"`);
    out.push({ host: m[1] as string, port: Number(m[2]) });
  }
  if (out.length === 0) throw new Error(`${flag} expects HOST:PORT`);
  return out;
}

export function describeTarget(t: StoreTarget): string {
  if (t.kind === 'standalone') return displayUrl(t.url);
  const list = (t.kind === 'sentinel' ? t.sentinels : t.nodes).map((h) => `${h.host}:${h.port}`).join(',');
  return t.kind === 'sentinel' ? `sentinel://${list}/${t.name}` : `redis-cluster://${list}`;
}

/**
 * The exit-2 sentence for a store that could not be used: TLS certificate problems and
 * authentication problems get their own sentence (with the flag that fixes them), anything else is
 * "did not answer".
 */
export function storeUnreachable(who: string, e: unknown, timeoutMs: number): TargetUnreachableError {
  const err = e as { message?: string; lastNodeError?: { message?: string } };
  const cert = certificateProblem(e, who);
  if (cert) return new TargetUnreachableError(cert);
  const text = `${err?.message ?? ''} ${err?.lastNodeError?.message ?? ''}`;
  const sentinel = who.startsWith('sentinel');
  if (/NOAUTH|Authentication required/i.test(text)) {
    return new TargetUnreachableError(`${who} requires a password (NOAUTH): pass ${sentinel ? '--sentinel-password' : '--redis-password'} (or the ${sentinel ? 'STATELINT_SENTINEL_PASSWORD' : 'STATELINT_REDIS_PASSWORD'} environment variable)`);
  }
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text)) {
    return new TargetUnreachableError(`${who} rejected the password (WRONGPASS): check ${sentinel ? '--sentinel-password' : '--redis-password'}`);
  }
  return new TargetUnreachableError(`${who} did not answer (${reasonOf(e, timeoutMs)})`);
}

/** How long the probe waits for the value to show up on the reader (a replica that lags longer is reported). */
export const probeWaitMs = (timeoutMs: number) => Math.min(timeoutMs, 3000);

/**
 * Writes a namespaced probe through `writer`, polls it through `reader` until it shows up (replication
 * delay), reads its TTL and deletes it. The key is deleted by `cleanup` too (signals, errors).
 */
async function runProbe(writer: Client, reader: Client, readFrom: string, timeoutMs: number, setKey: (k: string | null) => void): Promise<ProbeResult> {
  const key = PROBE_PREFIX + randomBytes(12).toString('hex');
  setKey(key);
  const value = JSON.stringify({ by: 'statelint', at: Date.now() });
  const started = Date.now();
  await writer.set(key, value, 'EX', PROBE_TTL_SECONDS);
  let seen = false;
  while (Date.now() - started < probeWaitMs(timeoutMs)) {
    if ((await reader.get(key)) === value) {
      seen = true;
      break;
    }
    await sleep(10);
  }
  const delay = seen ? Date.now() - started : null;
  const ttl = await writer.ttl(key);
  const removed = await writer.del(key);
  setKey(null);
  return { key: PROBE_PREFIX + '*', written: true, readBack: seen, replicationDelayMs: delay, ttlSeconds: ttl >= 0 ? ttl : null, deleted: removed === 1, readFrom };
}

/** Signals that end a run while the probe key exists: the key is deleted first, then exit 128 + signal number. */
const CLEANUP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Runs `body` with the probe key deleted on SIGINT, SIGTERM and SIGHUP (and on errors); disconnects every
 * client at the end. A store that does not answer the DEL does not hold the exit for more than the timeout.
 */
async function withCleanup<T>(clients: () => (Client | null)[], writer: () => Client | null, readOnly: boolean, timeoutMs: number, body: (setKey: (k: string | null) => void) => Promise<T>): Promise<T> {
  let key: string | null = null;
  const cleanup = async () => {
    const w = writer();
    const k = key;
    if (k && !readOnly && w) {
      try {
        await bounded(w.del(k), timeoutMs);
      } catch {
        /* it expires within 60 s anyway */
      }
      key = null;
    }
  };
  const handlers = Object.entries(CLEANUP_SIGNALS).map(([signal, code]) => {
    const handler = () => {
      setTimeout(() => process.exit(code), timeoutMs + 500).unref();
      void cleanup().finally(() => {
        for (const c of clients()) c?.disconnect();
        process.stderr.write(`statelint: stopped by ${signal} during the store probe; the probe key was deleted\n`);
        process.exit(code);
      });
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await body((k) => (key = k));
  } finally {
    await cleanup();
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    for (const c of clients()) c?.disconnect();
  }
}

/** What a probe that was not read back means: a replica that does not get writes, or a check that did not finish. */
function probeIssues(target: string, probe: ProbeResult, viaReplica: boolean, timeoutMs: number): LiveIssue[] {
  if (probe.readBack) return [];
  const waited = probeWaitMs(timeoutMs);
  if (viaReplica) {
    return [
      {
        id: 'live/store-replication-broken',
        target,
        message: `A probe key written to the master was not seen on the replica ${probe.readFrom} within ${waited} ms: the replica does not receive writes (or lags by more than ${waited} ms). Sessions written since are lost when it is promoted, and clients that read from replicas do not find them.`,
      },
    ];
  }
  return [{ id: 'live/check-incomplete', target, message: `A probe key written to the store was not read back through ${probe.readFrom} within ${waited} ms: whether the store keeps what the nodes write was not checked.` }];
}

/** The probe could not run to the end after the store answered: said as a finding, the report still comes out. */
function probeFailed(target: string, e: unknown, timeoutMs: number): LiveIssue {
  return { id: 'live/check-incomplete', target, message: `The store answered, but the probe key could not be written, read back and deleted (${reasonOf(e, timeoutMs)}): whether the store keeps and replicates sessions was not checked.` };
}

/**
 * Probes a standalone Redis: reads INFO/CONFIG, writes `statelint:probe:<random>` (60 s TTL) through one
 * connection, reads it through a second one (a replica when there is one), deletes it (also on
 * SIGINT/SIGTERM/SIGHUP). With readOnly nothing is written.
 */
export async function probeRedis(opts: StoreProbeOptions): Promise<StoreProbeResult> {
  const target = displayUrl(opts.url);
  const writer = connect(opts.url, opts.timeoutMs, 'statelint-writer', opts);
  try {
    await ready(writer, opts.timeoutMs);
    await writer.ping();
  } catch (e) {
    writer.disconnect();
    throw storeUnreachable(`redis ${target}`, pickError(e, lastErrors.get(writer)), opts.timeoutMs);
  }
  let reader: Redis | null = null;
  try {
    return await withCleanup(() => [writer, reader], () => writer, opts.readOnly, opts.timeoutMs, async (setKey) => {
      const facts = await readStoreFacts(writer);
      const issues = storeIssues(target, facts);
      let probe: ProbeResult | null = null;
      if (!opts.readOnly) {
        try {
          const replication = parseInfo(await writer.info('replication'));
          const replicaUrl = firstReplicaUrl(opts.url, replication);
          let readFrom = 'second connection to the same server';
          let viaReplica = false;
          if (replicaUrl) {
            const r = connect(replicaUrl, opts.timeoutMs, 'statelint-reader', opts);
            reader = r;
            try {
              await ready(r, opts.timeoutMs);
              readFrom = displayUrl(replicaUrl);
              viaReplica = true;
            } catch (e) {
              r.disconnect();
              reader = null;
              readFrom = `second connection to the same server (replica ${displayUrl(replicaUrl)} not reachable: ${reasonOf(pickError(e, lastErrors.get(r)), opts.timeoutMs)})`;
            }
          }
          if (!reader) {
            reader = connect(opts.url, opts.timeoutMs, 'statelint-reader', opts);
            await ready(reader, opts.timeoutMs);
          }
          probe = await runProbe(writer, reader, readFrom, opts.timeoutMs, setKey);
          issues.push(...probeIssues(target, probe, viaReplica, opts.timeoutMs));
        } catch (e) {
          issues.push(probeFailed(target, pickError(e, lastErrors.get(writer)), opts.timeoutMs));
        }
      }
      return { target, kind: 'standalone' as const, facts, probe, issues };
    });
  } catch (e) {
    if (e instanceof TargetUnreachableError) throw e;
    throw storeUnreachable(`redis ${target}`, pickError(e, lastErrors.get(writer)), opts.timeoutMs);
  }
}

/** The more telling of a command's error and the connection's last error (auth and TLS errors win). */
function pickError(e: unknown, last: Error | undefined): unknown {
  const telling = (x: unknown) => !!x && (certificateProblem(x, '') !== null || /NOAUTH|WRONGPASS|Authentication required|invalid password/i.test(String((x as Error).message)));
  if (telling(e)) return e;
  if (telling(last)) return last;
  return last ?? e;
}

function sentinelOptions(t: Extract<StoreTarget, { kind: 'sentinel' }>, role: 'master' | 'slave', timeoutMs: number, name: string): RedisOptions {
  return {
    ...baseOptions(timeoutMs, name),
    sentinels: t.sentinels,
    name: t.name,
    role,
    password: t.password,
    sentinelPassword: t.sentinelPassword,
    sentinelRetryStrategy: () => null,
    sentinelMaxConnections: 3,
    tls: t.tls ? tlsOptions(t) : undefined,
    sentinelTLS: t.tls ? tlsOptions(t) : undefined,
    enableTLSForSentinelMode: !!t.tls,
    failoverDetector: false,
  };
}

type SentinelTopology = { master: HostPort; replicas: (HostPort & { flags: string })[]; sentinels: number; quorum: number | null; via: string };

/**
 * Asks every Sentinel at once about the master `name` and takes the first full answer (its address,
 * replicas, quorum, sentinels): stopped sentinels cost one timeout in total, not one each.
 */
export async function sentinelTopology(t: Extract<StoreTarget, { kind: 'sentinel' }>, timeoutMs: number): Promise<SentinelTopology> {
  const clients: Redis[] = [];
  const ask = async (s: HostPort): Promise<SentinelTopology> => {
    const c = track(new Redis({ ...baseOptions(timeoutMs, 'statelint-sentinel'), host: s.host, port: s.port, password: t.sentinelPassword, tls: t.tls ? tlsOptions(t) : undefined }));
    clients.push(c);
    try {
      await ready(c, timeoutMs);
      const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', t.name)) as string[] | null;
      if (!addr || addr.length < 2) throw new TargetUnreachableError(`sentinel ${s.host}:${s.port} does not know a master named "${t.name}"`);
      const pairs = (row: unknown): Map<string, string> => {
        const a = row as string[];
        const m = new Map<string, string>();
        for (let i = 0; i + 1 < a.length; i += 2) m.set(String(a[i]), String(a[i + 1]));
        return m;
      };
      const master = pairs(await c.call('SENTINEL', 'master', t.name));
      const replicas = ((await c.call('SENTINEL', 'replicas', t.name)) as unknown[]).map(pairs).map((m) => ({ host: m.get('ip') ?? '', port: Number(m.get('port')), flags: `${m.get('flags') ?? ''}${m.get('master-link-status') && m.get('master-link-status') !== 'ok' ? ',link-' + m.get('master-link-status') : ''}` }));
      const others = (await c.call('SENTINEL', 'sentinels', t.name)) as unknown[];
      return { master: { host: String(addr[0]), port: Number(addr[1]) }, replicas, sentinels: others.length + 1, quorum: Number(master.get('quorum')) || null, via: `${s.host}:${s.port}` };
    } catch (e) {
      throw e instanceof TargetUnreachableError ? e : pickError(e, lastErrors.get(c));
    }
  };
  try {
    return await Promise.any(t.sentinels.map(ask));
  } catch (e) {
    const errors = e instanceof AggregateError ? (e.errors as unknown[]) : [e];
    const unknownMaster = errors.find((x) => x instanceof TargetUnreachableError);
    if (unknownMaster) throw unknownMaster;
    throw storeUnreachable(`sentinel ${t.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`, pickError(errors[0], errors.find((x) => x !== errors[0]) as Error | undefined), timeoutMs);
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** Store mode through Sentinel: facts from the master Sentinel names, probe written to it, read from a replica. */
export async function probeSentinel(t: Extract<StoreTarget, { kind: 'sentinel' }>, readOnly: boolean, timeoutMs: number): Promise<StoreProbeResult> {
  const target = describeTarget(t);
  const topo = await sentinelTopology(t, timeoutMs);
  const healthy = topo.replicas.filter((r) => !/s_down|o_down|disconnected|link-/.test(r.flags));
  let writer: Redis | null = null;
  let reader: Redis | null = null;
  try {
    return await withCleanup(() => [writer, reader], () => writer, readOnly, timeoutMs, async (setKey) => {
      const w = track(new Redis(sentinelOptions(t, 'master', timeoutMs, 'statelint-writer')));
      writer = w;
      await ready(w, timeoutMs);
      const facts = await readStoreFacts(w);
      const issues = storeIssues(target, facts, false);
      if (healthy.length === 0) {
        issues.push({ id: 'live/store-single-point', target, message: `Sentinel "${t.name}" has no healthy replica to promote (master ${topo.master.host}:${topo.master.port}): if the master goes down, every session is gone.` });
      }
      if (topo.sentinels < 3) {
        issues.push({ id: 'live/store-single-point', target, message: `Only ${topo.sentinels} Sentinel(s) watch "${t.name}": with fewer than 3, losing one machine can prevent a failover.` });
      }
      let probe: ProbeResult | null = null;
      if (!readOnly) {
        try {
          let readFrom = 'second connection to the master';
          let viaReplica = false;
          if (healthy.length > 0) {
            const r = track(new Redis({ ...sentinelOptions(t, 'slave', timeoutMs, 'statelint-reader'), preferredSlaves: healthy.map((x) => ({ ip: x.host, port: String(x.port), prio: 1 })) }));
            reader = r;
            try {
              await ready(r, timeoutMs);
              const role = parseInfo(await r.info('replication')).get('role') ?? 'unknown role';
              readFrom = `${await serverAddress(r)} (${role})`;
              viaReplica = role === 'slave';
            } catch (e) {
              r.disconnect();
              reader = null;
              readFrom = `second connection to the master (replica not reachable: ${reasonOf(pickError(e, lastErrors.get(r)), timeoutMs)})`;
            }
          }
          if (!reader) {
            reader = track(new Redis(sentinelOptions(t, 'master', timeoutMs, 'statelint-reader')));
            await ready(reader, timeoutMs);
          }
          probe = await runProbe(w, reader, readFrom, timeoutMs, setKey);
          issues.push(...probeIssues(target, probe, viaReplica, timeoutMs));
        } catch (e) {
          issues.push(probeFailed(target, pickError(e, lastErrors.get(w)), timeoutMs));
        }
      }
      const topology = { name: t.name, master: `${topo.master.host}:${topo.master.port}`, replicas: topo.replicas.map((r) => `${r.host}:${r.port} (${r.flags})`), sentinels: topo.sentinels, quorum: topo.quorum };
      return { target, kind: 'sentinel' as const, topology, facts, probe, issues };
    });
  } catch (e) {
    if (e instanceof TargetUnreachableError) throw e;
    throw storeUnreachable(`redis ${target}`, pickError(e, (writer && lastErrors.get(writer)) ?? undefined), timeoutMs);
  }
}

function clusterClient(t: Extract<StoreTarget, { kind: 'cluster' }>, timeoutMs: number, name: string, scaleReads: 'master' | 'slave'): Cluster {
  const c = track(
    new Cluster(t.nodes, {
      lazyConnect: true,
      scaleReads,
      enableOfflineQueue: false,
      clusterRetryStrategy: () => null,
      slotsRefreshTimeout: timeoutMs,
      // MOVED/ASK during a resharding are followed; more hops than this means the cluster is not settled.
      maxRedirections: 8,
      retryDelayOnMoved: 0,
      retryDelayOnTryAgain: 50,
      redisOptions: { connectTimeout: timeoutMs, commandTimeout: timeoutMs, disconnectTimeout: DISCONNECT_MS, maxRetriesPerRequest: 0, password: t.password, tls: t.tls ? tlsOptions(t) : undefined, connectionName: name },
    }),
  );
  // On ASK, ioredis sends ASKING and drops its promise: if that connection then closes or the command
  // times out (a resharding under load), the rejection is unhandled and would end the process.
  c.on('+node', (node: Redis) => {
    const asking = node.asking.bind(node) as (...args: unknown[]) => Promise<unknown>;
    (node as unknown as { asking: (...args: unknown[]) => Promise<unknown> }).asking = (...args: unknown[]) => {
      const p = asking(...args);
      p.catch(() => undefined);
      return p;
    };
  });
  return c;
}

async function clusterReady(c: Cluster, timeoutMs: number): Promise<void> {
  await bounded(c.connect(), timeoutMs, () => c.disconnect());
}

/** Store mode on Redis Cluster: facts from every master, probe written through one client, read through another (replicas with READONLY when any). */
export async function probeCluster(t: Extract<StoreTarget, { kind: 'cluster' }>, readOnly: boolean, timeoutMs: number): Promise<StoreProbeResult> {
  const target = describeTarget(t);
  let writer: Cluster | null = null;
  let reader: Cluster | null = null;
  try {
    return await withCleanup(() => [writer, reader], () => writer, readOnly, timeoutMs, async (setKey) => {
      const w = clusterClient(t, timeoutMs, 'statelint-writer', 'master');
      writer = w;
      await clusterReady(w, timeoutMs);
      const masters = w.nodes('master');
      const replicas = w.nodes('slave');
      const info = parseInfo(String(await w.cluster('INFO')));
      const issues: LiveIssue[] = [];
      const perNode: Record<string, StoreFacts> = {};
      let withoutReplica = 0;
      for (const m of masters) {
        const addr = `${m.options.host}:${m.options.port}`;
        const f = await readStoreFacts(m);
        perNode[addr] = f;
        if (f.connectedReplicas === 0) withoutReplica++;
        issues.push(...storeIssues(`redis://${addr}`, f, false));
      }
      if (withoutReplica > 0) {
        issues.push({ id: 'live/store-single-point', target, message: `${withoutReplica} of ${masters.length} cluster masters have no replica: when one goes down, the sessions in its hash slots are gone and the cluster stops serving them.` });
      }
      const first = Object.values(perNode)[0] ?? (await readStoreFacts(masters[0] as Redis));
      let probe: ProbeResult | null = null;
      if (!readOnly) {
        try {
          const r = clusterClient(t, timeoutMs, 'statelint-reader', replicas.length > 0 ? 'slave' : 'master');
          reader = r;
          await clusterReady(r, timeoutMs);
          probe = await runProbe(w, r, replicas.length > 0 ? "a replica of the key's slot (READONLY)" : 'a second cluster connection (no replicas)', timeoutMs, setKey);
          issues.push(...probeIssues(target, probe, replicas.length > 0, timeoutMs));
        } catch (e) {
          issues.push(probeFailed(target, pickError(e, lastErrors.get(w)), timeoutMs));
        }
      }
      const topology = { state: info.get('cluster_state') ?? null, slotsAssigned: Number(info.get('cluster_slots_assigned')) || null, masters: masters.map((m) => `${m.options.host}:${m.options.port}`), replicas: replicas.map((m) => `${m.options.host}:${m.options.port}`), perNode };
      if (info.get('cluster_state') && info.get('cluster_state') !== 'ok') {
        issues.push({ id: 'live/store-single-point', target, message: `cluster_state is ${info.get('cluster_state')}: part of the hash slots (and their sessions) is not served.` });
      }
      return { target, kind: 'cluster' as const, topology, facts: first, probe, issues };
    });
  } catch (e) {
    if (e instanceof TargetUnreachableError) throw e;
    throw storeUnreachable(`redis ${target}`, pickError(e, (writer && lastErrors.get(writer)) ?? undefined), timeoutMs);
  }
}

export async function probeStore(t: StoreTarget, readOnly: boolean, timeoutMs: number): Promise<StoreProbeResult> {
  if (t.kind === 'standalone') return probeRedis({ url: t.url, readOnly, timeoutMs, password: t.password, tls: t.tls, ca: t.ca });
  if (t.kind === 'sentinel') return probeSentinel(t, readOnly, timeoutMs);
  return probeCluster(t, readOnly, timeoutMs);
}

/** The address the server sees itself on (CLIENT INFO laddr), for the report. */
async function serverAddress(c: Redis): Promise<string> {
  try {
    const line = String(await c.call('CLIENT', 'INFO'));
    return /laddr=(\S+)/.exec(line)?.[1] ?? 'unknown address';
  } catch {
    return 'unknown address';
  }
}

/**
 * Opens a read connection to where sessions live (standalone URL + db, Sentinel master, or Cluster).
 * On any failure (connect, SELECT) the connection is closed before the error is thrown.
 */
export async function openSessionStore(t: StoreTarget, timeoutMs: number, db = 0): Promise<Client> {
  if (t.kind === 'cluster') {
    const c = clusterClient(t, timeoutMs, 'statelint-session-check', 'master');
    try {
      await clusterReady(c, timeoutMs);
    } catch (e) {
      c.disconnect();
      throw pickError(e, lastErrors.get(c));
    }
    return c;
  }
  const c = t.kind === 'sentinel' ? track(new Redis(sentinelOptions(t, 'master', timeoutMs, 'statelint-session-check'))) : connect(t.url, timeoutMs, 'statelint-session-check', t);
  try {
    await ready(c, timeoutMs);
    if (db && t.kind === 'standalone' && !/\/\d+$/.test(new URL(t.url).pathname)) await c.select(db);
  } catch (e) {
    c.disconnect();
    throw pickError(e, lastErrors.get(c));
  }
  return c;
}

/** Which of the candidate keys exists, and its TTL in seconds (-1 no expiry). Read-only commands only. */
export async function findSessionKey(client: Client, candidates: string[]): Promise<{ key: string; ttlSeconds: number } | null> {
  for (const key of candidates) {
    if ((await client.exists(key)) === 1) return { key, ttlSeconds: await client.ttl(key) };
  }
  return null;
}

const CLIENT_NOTICE = /^(\[WARN\] |\[ERROR\] The server returned|Skipping the ready check|\[ioredis\] )/;

/**
 * ioredis prints some notices straight to the console (a password sent to a server that has none, an
 * unhandled error event). Until `restore()`, such lines are collected (first line only, deduplicated) for
 * the report instead of leaking to stderr; any other console output passes through unchanged.
 */
export function captureClientNotices(): { notices: string[]; restore(): void } {
  const warn = console.warn;
  const error = console.error;
  const notices: string[] = [];
  const filter =
    (original: (...args: unknown[]) => void) =>
    (...args: unknown[]) => {
      const text = args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
      if (!CLIENT_NOTICE.test(text)) return original.apply(console, args);
      const line = (text.split('\n')[0] ?? '').replace(/^\[(WARN|ERROR)\] /, '');
      if (!notices.includes(line)) notices.push(line);
    };
  console.warn = filter(warn);
  console.error = filter(error);
  return {
    notices,
    restore() {
      console.warn = warn;
      console.error = error;
    },
  };
}
