import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live as runLive } from '../../src/api/index.js';
import { openSessionStore, type StoreTarget } from '../../src/live/redis-store.js';
import { ensureSystemPackages, Servers, type Running } from './servers.js';

const servers = new Servers();
const KEY = `base64:${randomBytes(32).toString('base64')}`;
let sentinel: Awaited<ReturnType<Servers['sentinelSet']>>;
let cluster: Awaited<ReturnType<Servers['redisCluster']>>;
let lvA: Running, lvB: Running; // Laravel nodes on the cluster
let project: string;

beforeAll(async () => {
  ensureSystemPackages();
  [sentinel, cluster] = await Promise.all([servers.sentinelSet(), servers.redisCluster(3)]);
  console.log(`sentinel set (1 master, 1 replica, 3 sentinels) up in ${sentinel.startupMs} ms; 3-master cluster up in ${cluster.startupMs} ms`);
  const ports = Object.fromEntries(cluster.nodes.map((n, i) => [`REDIS_CLUSTER_PORT_${i + 1}`, String(n.port)]));
  const app = servers.laravelApp();
  const env = { APP_KEY: KEY, SESSION_DRIVER: 'redis', SESSION_CONNECTION: 'cluster', ...ports };
  [lvA, lvB] = await Promise.all([servers.laravelNode(app, env), servers.laravelNode(app, env)]);
  project = servers.laravelApp();
  writeFileSync(path.join(project, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
}, 120_000);

afterAll(() => servers.stopAll());

const sentinelAddrs = () => sentinel.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
const clusterAddrs = () => cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
const login = { loginPath: '/login', authPath: '/me', logoutPath: '/logout' };

async function statelintKeysOn(ports: number[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of ports) {
    const r = new Redis({ port: p, host: '127.0.0.1', lazyConnect: true, connectTimeout: 2000, commandTimeout: 2000 });
    await r.connect();
    out.push(...(await r.keys('statelint:*')));
    r.disconnect();
  }
  return out;
}

describe('store mode through Sentinel', () => {
  it('probes the master Sentinel names, reads the probe from the replica, no findings', async () => {
    const res = await runLive({ nodes: [], sentinel: sentinelAddrs(), sentinelName: sentinel.name, timeoutMs: 3000 });
    expect(res.report!.findings).toEqual([]);
    expect(res.exitCode).toBe(0);
    const store = (res.report!.project.live as { store: { kind: string; topology: { master: string; sentinels: number }; probe: { readBack: boolean; readFrom: string; replicationDelayMs: number; ttlSeconds: number; deleted: boolean } } }).store;
    expect(store.kind).toBe('sentinel');
    expect(store.topology.master).toBe(`127.0.0.1:${sentinel.master.port}`);
    expect(store.topology.sentinels).toBe(3);
    expect(store.probe.readBack).toBe(true);
    expect(store.probe.readFrom).toBe(`127.0.0.1:${sentinel.replica.port} (slave)`);
    expect(store.probe.ttlSeconds).toBeGreaterThan(50);
    expect(store.probe.deleted).toBe(true);
    console.log(`sentinel probe: replication delay ${store.probe.replicationDelayMs} ms, TTL ${store.probe.ttlSeconds} s`);
    expect(await statelintKeysOn([sentinel.master.port, sentinel.replica.port])).toEqual([]);
  });

  it('a wrong master name is exit 2 naming it', async () => {
    const res = await runLive({ nodes: [], sentinel: sentinelAddrs(), sentinelName: 'nosuchmaster', timeoutMs: 2000 });
    expect(res.exitCode).toBe(2);
    expect(res.error).toMatch(/does not know a master named "nosuchmaster"/);
  });

  it('a probe written before a forced failover is readable from the new master after it', async () => {
    const target: StoreTarget = { kind: 'sentinel', sentinels: sentinel.sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })), name: sentinel.name };
    const key = `statelint:probe:failover-${randomBytes(6).toString('hex')}`;
    const before = await openSessionStore(target, 3000);
    await before.set(key, 'written-before-failover', 'EX', 60);
    before.disconnect();
    // wait until the replica has it, as a real session would be
    const rep = new Redis({ port: sentinel.replica.port, lazyConnect: true, commandTimeout: 2000 });
    await rep.connect();
    for (let i = 0; i < 100 && (await rep.get(key)) === null; i++) await new Promise((r) => setTimeout(r, 10));
    rep.disconnect();

    const t0 = Date.now();
    const fo = spawnSync('redis-cli', ['-p', String(sentinel.sentinels[0]!.port), 'SENTINEL', 'FAILOVER', sentinel.name], { encoding: 'utf8', timeout: 5000 });
    expect(fo.stdout.trim()).toBe('OK');
    const newMaster = `127.0.0.1:${sentinel.replica.port}`;
    let switched = 0;
    while (Date.now() - t0 < 20_000) {
      const addr = spawnSync('redis-cli', ['-p', String(sentinel.sentinels[1]!.port), 'SENTINEL', 'get-master-addr-by-name', sentinel.name], { encoding: 'utf8', timeout: 2000 }).stdout.trim().split('\n').join(':');
      const role = spawnSync('redis-cli', ['-p', String(sentinel.replica.port), 'role'], { encoding: 'utf8', timeout: 2000 }).stdout.split('\n')[0];
      if (addr === newMaster && role === 'master') {
        switched = Date.now() - t0;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(switched).toBeGreaterThan(0);
    console.log(`forced Sentinel failover: new master ${newMaster} after ${switched} ms`);

    const after = await openSessionStore(target, 3000);
    try {
      expect(await after.get(key)).toBe('written-before-failover');
      expect(String(await (after as Redis).call('CLIENT', 'INFO'))).toContain(`laddr=${newMaster}`);
      await after.del(key);
    } finally {
      after.disconnect();
    }
    // store mode after the failover follows Sentinel to the new master
    const res = await runLive({ nodes: [], sentinel: sentinelAddrs(), sentinelName: sentinel.name, timeoutMs: 3000 });
    expect(res.error).toBeUndefined();
    expect(res.exitCode).toBe(0);
    const store = (res.report!.project.live as { store: { topology: { master: string }; facts: { role: string }; probe: { readBack: boolean } } }).store;
    expect(store.topology.master).toBe(newMaster);
    expect(store.facts.role).toBe('master');
    expect(store.probe.readBack).toBe(true);
  }, 40_000);
});

describe('store mode on Redis Cluster (3 masters)', () => {
  it('probes every master, writes and reads the probe through two cluster clients, deletes it', async () => {
    const res = await runLive({ nodes: [], cluster: clusterAddrs(), timeoutMs: 3000 });
    expect(res.exitCode).toBe(0);
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/store-single-point']);
    expect(res.report!.findings[0]!.message).toMatch(/3 of 3 cluster masters have no replica/);
    const store = (res.report!.project.live as { store: { kind: string; topology: { state: string; masters: string[] }; probe: { readBack: boolean; deleted: boolean; ttlSeconds: number; replicationDelayMs: number } } }).store;
    expect(store.kind).toBe('cluster');
    expect(store.topology.state).toBe('ok');
    expect(store.topology.masters.length).toBe(3);
    expect(store.probe.readBack).toBe(true);
    expect(store.probe.deleted).toBe(true);
    console.log(`cluster probe: delay ${store.probe.replicationDelayMs} ms, TTL ${store.probe.ttlSeconds} s`);
    expect(await statelintKeysOn(cluster.nodes.map((n) => n.port))).toEqual([]);
  });

  it('an unreachable cluster is exit 2', async () => {
    const res = await runLive({ nodes: [], cluster: '127.0.0.1:1', timeoutMs: 1000 });
    expect(res.exitCode).toBe(2);
    expect(res.error).toMatch(/^redis redis-cluster:\/\/127\.0\.0\.1:1 did not answer/);
  });
});

describe('Laravel 8 on a 3-master Redis Cluster (phpredis)', () => {
  it('two nodes, sessions on the cluster: clean, logout propagated, session key found where the config says', async () => {
    const res = await runLive({ projectPath: project, nodes: [lvA.url, lvB.url], ...login, timeoutMs: 5000 });
    const errors = res.report!.findings.filter((f) => f.severity === 'error');
    expect(errors).toEqual([]);
    expect(res.exitCode).toBe(0);
    const live = res.report!.project.live as { store: { kind: string; from: string }; sessionKey: { found: { layout: string; ttlSeconds: number } }; switch: Record<string, { sessionKept: boolean; login: Record<string, string> }> };
    expect(live.store.kind).toBe('cluster');
    expect(live.store.from).toBe('project config');
    expect(live.sessionKey.found.layout).toMatch(/Laravel 8-10/);
    expect(live.sessionKey.found.ttlSeconds).toBeGreaterThan(7000);
    const pair = live.switch[`${lvA.url} -> ${lvB.url}`]!;
    expect(pair.sessionKept).toBe(true);
    expect(pair.login.authOnB).toBe('200');
    expect(pair.login.oldCookieOnBAfterLogout).toBe('401');
  });
});
