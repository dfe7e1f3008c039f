import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSystemPackages, REPO, Servers, waitRedis, type Running } from './servers.js';

// Ctrl-C (and SIGTERM, SIGHUP) while the probe key exists: the real binary as a child process, the signal by PID.
// To hold the key long enough, the store's replica announces the port of another, unrelated Redis
// (`--replica-announce-port`): statelint reads the probe back from there, never sees it and keeps
// polling for up to 3 s while the key sits on the master. That is when the test presses Ctrl-C.
const servers = new Servers();
let master: Running;
let elsewhere: Running; // the address the replica announces: never receives the probe
let nodeA: Running, nodeB: Running;

beforeAll(async () => {
  ensureSystemPackages();
  [master, elsewhere] = await Promise.all([servers.redis(['--repl-diskless-sync-delay', '0']), servers.redis()]);
  await servers.redis(['--replicaof', '127.0.0.1', String(master.port), '--replica-announce-port', String(elsewhere.port)]);
  await waitRedis(master.port, (info) => new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=${elsewhere.port},state=online`).test(info), 'misannounced replica', 'replication');
  [nodeA, nodeB] = await Promise.all([servers.expressNode({ NODE_NAME: 'A' }), servers.expressNode({ NODE_NAME: 'B' })]);
}, 120_000);

afterAll(() => servers.stopAll());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Ctrl-C, SIGTERM and SIGHUP delete the probe key', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s to `statelint live --redis ... --sessions ...` mid-probe: exit %i, no statelint:probe:* key left', async (signal, exitCode) => {
    const watcher = new Redis(master.url);
    const child = spawn(process.execPath, [path.join(REPO, 'bin/statelint.js'), 'live', '--node', nodeA.url, '--node', nodeB.url, '--redis', master.url, '--sessions', '500', '--concurrency', '10', '--timeout', '10000'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
    const hardStop = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 20_000);
    try {
      let held: string[] = [];
      const until = Date.now() + 15_000;
      while (held.length === 0 && Date.now() < until && child.exitCode === null) {
        held = await watcher.keys('statelint:probe:*');
        if (held.length === 0) await sleep(10);
      }
      expect(held.length).toBe(1); // the probe is on the master, the CLI is still polling the "replica"
      const sentAt = Date.now();
      process.kill(child.pid as number, signal);
      const ended = await exited;
      console.log(`${signal} -> exit ${ended.code} after ${Date.now() - sentAt} ms`);
      expect(ended.signal).toBeNull(); // handled, not killed by the signal
      expect(ended.code).toBe(exitCode);
      expect(out).not.toContain('live/'); // no report: it stopped mid-run
      expect(out).toContain(`stopped by ${signal} during the store probe; the probe key was deleted`);
      expect(await watcher.keys('statelint:probe:*')).toEqual([]);
      expect(await watcher.exists(held[0]!)).toBe(0);
    } finally {
      clearTimeout(hardStop);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
      watcher.disconnect();
    }
  }, 40_000);

  it('without Ctrl-C the same store is probed to the end, the key is deleted, and the replica that never got it is live/store-replication-broken (exit 1)', async () => {
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin/statelint.js'), 'live', '--redis', master.url, '--format', 'json', '--timeout', '5000'], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    const broken = report.findings.filter((f: { ruleId: string }) => f.ruleId === 'live/store-replication-broken');
    expect(broken.length).toBe(1);
    expect(broken[0].severity).toBe('error');
    expect(broken[0].message).toContain(`was not seen on the replica redis://127.0.0.1:${elsewhere.port} within 3000 ms`);
    expect(r.stderr).toBe('');
    const probe = report.project.live.store.probe;
    expect(probe.readFrom).toBe(`redis://127.0.0.1:${elsewhere.port}`);
    expect(probe.readBack).toBe(false);
    expect(probe.deleted).toBe(true);
    const w = new Redis(master.url);
    expect(await w.keys('statelint:probe:*')).toEqual([]);
    w.disconnect();
  }, 40_000);
});
