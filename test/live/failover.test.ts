import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live as runLive } from '../../src/api/index.js';
import { describeLoad, type LoadStats } from '../../src/live/load.js';
import { ensureSystemPackages, Servers, type Running } from './servers.js';

// The store changes under statelint's feet: a Sentinel failover while load mode runs against Express
// nodes that reach Redis through Sentinel, and a Redis Cluster resharding (every slot MIGRATING, so
// every key command is answered with ASK, then the slots moved for good: MOVED) while the store probe
// and a Laravel load run.
const servers = new Servers();
const KEY = `base64:${randomBytes(32).toString('base64')}`;
let sentinel: Awaited<ReturnType<Servers['sentinelSet']>>;
let cluster: Awaited<ReturnType<Servers['redisCluster']>>;
let exA: Running, exB: Running; // Express via Sentinel
let lvA: Running, lvB: Running; // Laravel on the cluster
let project: string;

beforeAll(async () => {
  ensureSystemPackages();
  [sentinel, cluster] = await Promise.all([servers.sentinelSet('failmaster'), servers.redisCluster(3)]);
  console.log(`sentinel set up in ${sentinel.startupMs} ms; 3-master cluster up in ${cluster.startupMs} ms`);
  const viaSentinel = { STORE: 'redis', REDIS_SENTINELS: sentinel.sentinels.map((s) => `127.0.0.1:${s.port}`).join(','), REDIS_SENTINEL_NAME: sentinel.name };
  const ports = Object.fromEntries(cluster.nodes.map((n, i) => [`REDIS_CLUSTER_PORT_${i + 1}`, String(n.port)]));
  const env = { APP_KEY: KEY, SESSION_DRIVER: 'redis', SESSION_CONNECTION: 'cluster', ...ports };
  const app = servers.laravelApp();
  [exA, exB, lvA, lvB] = await Promise.all([servers.expressNode({ NODE_NAME: 'A', ...viaSentinel }), servers.expressNode({ NODE_NAME: 'B', ...viaSentinel }), servers.laravelNode(app, env), servers.laravelNode(app, env)]);
  project = servers.laravelApp();
  writeFileSync(path.join(project, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
}, 120_000);

afterAll(() => servers.stopAll());

const loginOnly = { loginPath: '/login', authPath: '/me' };
const loadOf = (res: Awaited<ReturnType<typeof runLive>>) => (res.report!.project.live as { load: LoadStats }).load;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withRedis<T>(port: number, f: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectTimeout: 2000, commandTimeout: 5000, maxRetriesPerRequest: 0 });
  await r.connect();
  try {
    return await f(r);
  } finally {
    r.disconnect();
  }
}

const probeKeysOn = async (ports: number[]) => (await Promise.all(ports.map((p) => withRedis(p, (r) => r.keys('statelint:probe:*'))))).flat();

/**
 * The verdict has to add up: every session is counted once, load-mode sessions not checked are a
 * live/check-incomplete finding, lost ones live/session-lost-on-switch, and any error-level finding
 * (also from the store probe or the session key lookup hit by the same event) fails the run.
 */
function expectHonestVerdict(res: Awaited<ReturnType<typeof runLive>>, sessions: number): void {
  const s = loadOf(res);
  const findings = res.report!.findings;
  for (const f of findings) console.log(`  ${f.severity} ${f.ruleId} ${f.location.file}: ${f.message}`);
  expect(s.judged + s.errors + s.unknown + s.notRun).toBe(sessions);
  const notChecked = s.errors + s.unknown + s.notRun;
  expect(findings.some((f) => f.ruleId === 'live/check-incomplete' && f.message.includes('Load mode:'))).toBe(notChecked > 0);
  expect(findings.some((f) => f.ruleId === 'live/session-lost-on-switch' && f.message.includes('Load mode:'))).toBe(s.lost > 0);
  expect(res.exitCode).toBe(findings.some((f) => f.severity === 'error') ? 1 : 0);
  if (notChecked > 0 || s.lost > 0) expect(res.exitCode).toBe(1);
}

describe('Sentinel failover during load mode', () => {
  it('SENTINEL FAILOVER while 600 sessions run through Express nodes on Sentinel: the verdict counts what the failover broke, the store follows the new master, no probe key left', async () => {
    const sentinels = sentinel.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
    const run = runLive({ nodes: [exA.url, exB.url], sentinel: sentinels, sentinelName: sentinel.name, ...loginOnly, sessions: 600, concurrency: 10, timeoutMs: 3000 });
    await withRedis(sentinel.master.port, async (r) => {
      for (let i = 0; i < 1000 && (await r.dbsize()) < 60; i++) await sleep(10);
    });
    const t0 = Date.now();
    const fo = spawnSync('redis-cli', ['-p', String(sentinel.sentinels[0]!.port), 'SENTINEL', 'FAILOVER', sentinel.name], { encoding: 'utf8', timeout: 5000 });
    expect(fo.stdout.trim()).toBe('OK');
    let runEnded = 0;
    let promoted = 0;
    void run.then(() => (runEnded = Date.now() - t0));
    // When the former replica took over, measured while the run goes on: the failover must fall inside the run.
    while (!runEnded && !promoted) {
      const role = spawnSync('redis-cli', ['-p', String(sentinel.replica.port), 'role'], { encoding: 'utf8', timeout: 2000 }).stdout.split('\n')[0];
      if (role === 'master') promoted = Date.now() - t0;
      else await sleep(20);
    }
    const res = await run;
    const s = loadOf(res);
    console.log(`sentinel failover during load: replica promoted ${promoted} ms after SENTINEL FAILOVER, run ended after ${runEnded} ms: ${describeLoad(s)}; not checked: ${JSON.stringify(s.notCheckedReasons)}`);
    expect(promoted).toBeGreaterThan(0);
    expect(res.error).toBeUndefined();
    expect((res.report!.project.live as { store: { probe: { readBack: boolean } } }).store.probe.readBack).toBe(true);
    expectHonestVerdict(res, 600);

    // The store after the failover: Sentinel names the former replica, the probe follows it.
    let master = '';
    for (let i = 0; i < 200 && master !== `127.0.0.1:${sentinel.replica.port}`; i++) {
      master = spawnSync('redis-cli', ['-p', String(sentinel.sentinels[1]!.port), 'SENTINEL', 'get-master-addr-by-name', sentinel.name], { encoding: 'utf8', timeout: 2000 }).stdout.trim().split('\n').join(':');
      await sleep(50);
    }
    const after = await runLive({ nodes: [], sentinel: sentinels, sentinelName: sentinel.name, timeoutMs: 3000 });
    expect((after.report!.project.live as { store: { topology: { master: string } } }).store.topology.master).toBe(`127.0.0.1:${sentinel.replica.port}`);
    expect(await probeKeysOn([sentinel.master.port, sentinel.replica.port])).toEqual([]);
  }, 60_000);
});

describe('Redis Cluster resharding during the probe and load mode', () => {
  type Node = { port: number; id: string; slots: number[] };
  let nodes: Node[] = [];

  async function clusterNodes(): Promise<Node[]> {
    const out: Node[] = [];
    for (const n of cluster.nodes) {
      const id = String(await withRedis(n.port, (r) => r.call('CLUSTER', 'MYID')));
      out.push({ port: n.port, id, slots: [] });
    }
    const slots = (await withRedis(cluster.nodes[0]!.port, (r) => r.call('CLUSTER', 'SLOTS'))) as [number, number, [string, number, string]][];
    for (const [from, to, owner] of slots) {
      const node = out.find((x) => x.id === owner[2])!;
      for (let s = from; s <= to; s++) node.slots.push(s);
    }
    return out;
  }

  /** Every slot of node i MIGRATING to node i+1 (which is IMPORTING it): every key command gets ASK. */
  async function startRotation(): Promise<void> {
    for (let i = 0; i < nodes.length; i++) {
      const src = nodes[i]!;
      const dst = nodes[(i + 1) % nodes.length]!;
      await withRedis(dst.port, async (r) => {
        const p = r.pipeline();
        for (const s of src.slots) p.call('CLUSTER', 'SETSLOT', String(s), 'IMPORTING', src.id);
        await p.exec();
      });
      await withRedis(src.port, async (r) => {
        const p = r.pipeline();
        for (const s of src.slots) p.call('CLUSTER', 'SETSLOT', String(s), 'MIGRATING', dst.id);
        await p.exec();
      });
    }
  }

  /** Finishes the rotation: keys still on the old owner are MIGRATEd, then every node learns the new owner (MOVED). */
  async function finishRotation(): Promise<number> {
    // Mid-rotation a master owns no slot for a moment; Redis 7 would turn it into a replica (and drop its IMPORTING state).
    for (const n of nodes) await withRedis(n.port, (r) => r.config('SET', 'cluster-allow-replica-migration', 'no'));
    let moved = 0;
    for (let i = 0; i < nodes.length; i++) {
      const src = nodes[i]!;
      const dst = nodes[(i + 1) % nodes.length]!;
      await withRedis(src.port, async (r) => {
        const counts = (await r.pipeline(src.slots.map((s) => ['call', 'CLUSTER', 'COUNTKEYSINSLOT', String(s)])).exec())!.map(([, n]) => Number(n));
        for (let k = 0; k < src.slots.length; k++) {
          if (!counts[k]) continue;
          const keys = (await r.call('CLUSTER', 'GETKEYSINSLOT', String(src.slots[k]), '1000')) as string[];
          if (keys.length) await r.call('MIGRATE', '127.0.0.1', String(dst.port), '', '0', '5000', 'KEYS', ...keys);
          moved += keys.length;
        }
      });
      for (const n of [dst, src, ...nodes.filter((x) => x !== src && x !== dst)]) {
        await withRedis(n.port, async (r) => {
          const p = r.pipeline();
          for (const s of src.slots) p.call('CLUSTER', 'SETSLOT', String(s), 'NODE', dst.id);
          await p.exec();
        });
      }
    }
    return moved;
  }

  it('the probe while every slot is migrating (ASK), then a Laravel load while the slots move for good (MOVED): verdicts add up, no probe key left', async () => {
    nodes = await clusterNodes();
    const seeds = cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
    // Sessions on the old owners first, so the resharding has keys to MIGRATE.
    const before = await runLive({ projectPath: project, nodes: [lvA.url, lvB.url], sessions: 30, concurrency: 3, ...loginOnly, timeoutMs: 15_000 });
    expect(loadOf(before).survived).toBe(30);

    await startRotation();
    const probe = await runLive({ nodes: [], cluster: seeds, timeoutMs: 10_000 });
    expect(probe.error).toBeUndefined();
    const store = (probe.report!.project.live as { store: { topology: { state: string }; probe: { readBack: boolean; deleted: boolean } } }).store;
    expect(store.probe.readBack).toBe(true); // written and read through ASK redirections
    expect(store.probe.deleted).toBe(true);
    expect(probe.report!.findings.map((f) => f.ruleId)).toEqual(['live/store-single-point']);
    expect(probe.exitCode).toBe(0);

    const t0 = Date.now();
    const run = runLive({ projectPath: project, nodes: [lvA.url, lvB.url], sessions: 60, concurrency: 3, ...loginOnly, timeoutMs: 15_000 });
    await sleep(100);
    const migrated = await finishRotation();
    const reshardMs = Date.now() - t0;
    const res = await run;
    const s = loadOf(res);
    console.log(`cluster resharding: ${migrated} keys MIGRATEd, 16384 slots moved in ${reshardMs} ms while a Laravel load ran: ${describeLoad(s)}; not checked: ${JSON.stringify(s.notCheckedReasons)}`);
    expect(res.error).toBeUndefined();
    expectHonestVerdict(res, 60);
    expect(s.lost).toBe(0); // every session made before or during the move is still found

    const after = await clusterNodes();
    for (let i = 0; i < nodes.length; i++) expect(after[(i + 1) % nodes.length]!.slots).toEqual(nodes[i]!.slots);
    expect(await probeKeysOn(cluster.nodes.map((n) => n.port))).toEqual([]);
  }, 60_000);
});
