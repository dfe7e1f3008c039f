import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live as runLive } from '../../src/api/index.js';
import { registerLiveCommand } from '../../src/commands/live.js';
import { ensureSystemPackages, Servers } from './servers.js';

// A 3-master Redis Cluster with requirepass + masterauth, and a Sentinel set whose data nodes and
// sentinels both need passwords: --redis-password / --sentinel-password (or STATELINT_REDIS_PASSWORD)
// authenticate statelint; the passwords never reach any output.
const servers = new Servers();
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const SENTINEL_PASSWORD = `spw-${randomBytes(12).toString('hex')}`;
let cluster: Awaited<ReturnType<Servers['redisCluster']>>;
let sentinel: Awaited<ReturnType<Servers['sentinelSet']>>;

beforeAll(async () => {
  ensureSystemPackages();
  [cluster, sentinel] = await Promise.all([servers.redisCluster(3, PASSWORD), servers.sentinelSet('authmaster', { redis: PASSWORD, sentinel: SENTINEL_PASSWORD })]);
  console.log(`3-master cluster with requirepass up in ${cluster.startupMs} ms; sentinel set with passwords up in ${sentinel.startupMs} ms`);
}, 120_000);

afterAll(() => servers.stopAll());

const seeds = () => cluster.nodes.map((n) => `127.0.0.1:${n.port}`).join(',');

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  let code = -1;
  const program = new Command().exitOverride();
  registerLiveCommand(program, { stdout: (t) => (out += t), stderr: (t) => (err += t), env, stdoutIsTTY: false }, (c) => (code = c));
  await program.parseAsync(['live', ...args], { from: 'user' });
  return { out, err, code };
}

async function probeKeys(): Promise<string[]> {
  const out: string[] = [];
  for (const n of cluster.nodes) {
    const r = new Redis({ host: '127.0.0.1', port: n.port, password: PASSWORD, lazyConnect: true, connectTimeout: 2000, commandTimeout: 2000 });
    await r.connect();
    out.push(...(await r.keys('statelint:*')));
    r.disconnect();
  }
  return out;
}

describe('Redis Cluster with requirepass', () => {
  it('--redis-password: probes every master, probe read back and deleted', async () => {
    const res = await runLive({ nodes: [], cluster: seeds(), redisPassword: PASSWORD, timeoutMs: 3000 });
    expect(res.error).toBeUndefined();
    expect(res.exitCode).toBe(0);
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/store-single-point']);
    const store = (res.report!.project.live as { store: { topology: { state: string; masters: string[] }; probe: { readBack: boolean; deleted: boolean } } }).store;
    expect(store.topology.state).toBe('ok');
    expect(store.topology.masters.length).toBe(3);
    expect(store.probe.readBack).toBe(true);
    expect(store.probe.deleted).toBe(true);
    expect(await probeKeys()).toEqual([]);
  });

  it('without the password: exit 2 with a sentence naming the cluster and the flag', async () => {
    const res = await runLive({ nodes: [], cluster: seeds(), timeoutMs: 3000 });
    expect(res.exitCode).toBe(2);
    expect(res.error).toBe(`redis redis-cluster://${seeds()} requires a password (NOAUTH): pass --redis-password (or the STATELINT_REDIS_PASSWORD environment variable)`);
  });

  it('a wrong password: exit 2 saying it was rejected, and the wrong password is not printed', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const { err, code } = await cli(['--cluster', seeds(), '--redis-password', wrong, '--timeout', '3000']);
    expect(code).toBe(2);
    expect(err).toBe(`statelint: redis redis-cluster://${seeds()} rejected the password (WRONGPASS): check --redis-password\n`);
    expect(err).not.toContain(wrong);
  });

  it('the password is absent from every output format (flag and environment variable)', async () => {
    for (const format of ['pretty', 'json', 'sarif']) {
      const viaFlag = await cli(['--cluster', seeds(), '--redis-password', PASSWORD, '--format', format, '--fail-on', 'info']);
      expect(viaFlag.code).toBe(1); // the info finding (no replicas) at --fail-on info: proves the probe ran
      expect(viaFlag.out).toContain('live/store-single-point');
      expect(viaFlag.out + viaFlag.err).not.toContain(PASSWORD);
      const viaEnv = await cli(['--cluster', seeds(), '--format', format], { STATELINT_REDIS_PASSWORD: PASSWORD });
      expect(viaEnv.code).toBe(0);
      expect(viaEnv.out).toContain('live/store-single-point');
      expect(viaEnv.out + viaEnv.err).not.toContain(PASSWORD);
    }
  });
});

describe('Sentinel with passwords (data nodes and sentinels)', () => {
  const sentinels = () => sentinel.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');

  it('--redis-password + --sentinel-password: topology, probe written to the master and read from the replica', async () => {
    const res = await runLive({ nodes: [], sentinel: sentinels(), sentinelName: sentinel.name, redisPassword: PASSWORD, sentinelPassword: SENTINEL_PASSWORD, timeoutMs: 3000 });
    expect(res.error).toBeUndefined();
    expect(res.report!.findings).toEqual([]);
    expect(res.exitCode).toBe(0);
    const store = (res.report!.project.live as { store: { topology: { master: string; sentinels: number }; probe: { readBack: boolean; readFrom: string; deleted: boolean } } }).store;
    expect(store.topology.master).toBe(`127.0.0.1:${sentinel.master.port}`);
    expect(store.topology.sentinels).toBe(3);
    expect(store.probe.readFrom).toBe(`127.0.0.1:${sentinel.replica.port} (slave)`);
    expect(store.probe.readBack).toBe(true);
    expect(store.probe.deleted).toBe(true);
  });

  it('without --sentinel-password: exit 2 naming the sentinels and the flag', async () => {
    const res = await runLive({ nodes: [], sentinel: sentinels(), sentinelName: sentinel.name, redisPassword: PASSWORD, timeoutMs: 3000 });
    expect(res.exitCode).toBe(2);
    expect(res.error).toBe(`sentinel ${sentinels()} requires a password (NOAUTH): pass --sentinel-password (or the STATELINT_SENTINEL_PASSWORD environment variable)`);
  });

  it('without --redis-password: exit 2 naming the store and the flag', async () => {
    const res = await runLive({ nodes: [], sentinel: sentinels(), sentinelName: sentinel.name, sentinelPassword: SENTINEL_PASSWORD, timeoutMs: 3000 });
    expect(res.exitCode).toBe(2);
    expect(res.error).toBe(`redis sentinel://${sentinels()}/${sentinel.name} requires a password (NOAUTH): pass --redis-password (or the STATELINT_REDIS_PASSWORD environment variable)`);
  });

  it('neither password appears in any output format (environment variables)', async () => {
    for (const format of ['pretty', 'json', 'sarif']) {
      const r = await cli(['--sentinel', sentinels(), '--sentinel-name', sentinel.name, '--format', format, '--fail-on', 'never'], { STATELINT_REDIS_PASSWORD: PASSWORD, STATELINT_SENTINEL_PASSWORD: SENTINEL_PASSWORD });
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).not.toContain(PASSWORD);
      expect(r.out).not.toContain(SENTINEL_PASSWORD);
    }
  });
});
