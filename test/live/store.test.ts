import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live as runLive } from '../../src/api/index.js';
import { registerLiveCommand } from '../../src/commands/live.js';
import { LIVE_CHECKS } from '../../src/live/checks.js';
import { ensureSystemPackages, freePort, Servers, type Running } from './servers.js';
import { schemaErrors } from '../support/schema.js';

const servers = new Servers();
let plain: Running; // --save '' --appendonly no, no replica
let evicting: Running; // maxmemory + allkeys-lru, AOF on
let replicated: Running; // master with one replica, RDB rules
let replica: Running;
let noConfig: Running; // CONFIG renamed away, as on many managed Redis services

beforeAll(async () => {
  ensureSystemPackages();
  [plain, evicting, replicated, noConfig] = await Promise.all([
    servers.redis(),
    servers.redis(['--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru', '--appendonly', 'yes']),
    servers.redis(['--save', '3600 1', '--repl-diskless-sync-delay', '0']),
    servers.redis(['--rename-command', 'CONFIG', '']),
  ]);
  replica = await servers.redis(['--replicaof', '127.0.0.1', String(replicated.port)]);
  const r = new Redis(replicated.url);
  const until = Date.now() + 10_000;
  while (Date.now() < until && !/connected_slaves:1/.test(await r.info('replication'))) await new Promise((s) => setTimeout(s, 50));
  r.disconnect();
}, 120_000);

afterAll(() => servers.stopAll());

async function keys(url: string, pattern: string): Promise<string[]> {
  const r = new Redis(url);
  try {
    return await r.keys(pattern);
  } finally {
    r.disconnect();
  }
}

describe('store mode (standalone redis)', () => {
  it('reports a store with no persistence and no replica, probes it and leaves no key behind', async () => {
    const res = await runLive({ nodes: [], redis: plain.url });
    expect(res.exitCode).toBe(0); // warning + info are below the default --fail-on error
    const ids = res.report!.findings.map((f) => f.ruleId).sort();
    expect(ids).toEqual(['live/store-not-persistent', 'live/store-single-point']);
    const f = res.report!.findings.find((x) => x.ruleId === 'live/store-not-persistent')!;
    expect(f.severity).toBe('warning');
    expect(f.location).toEqual({ file: plain.url, line: 1, column: 1, endLine: 1, endColumn: 1 });
    expect(schemaErrors(res.report)).toEqual([]);
    const store = (res.report!.project.live as { store: { probe: { readBack: boolean; ttlSeconds: number; deleted: boolean } } }).store;
    expect(store.probe.readBack).toBe(true);
    expect(store.probe.ttlSeconds).toBeGreaterThan(50);
    expect(store.probe.ttlSeconds).toBeLessThanOrEqual(60);
    expect(store.probe.deleted).toBe(true);
    expect(await keys(plain.url, 'statelint:*')).toEqual([]);
    expect(res.report!.command).toBe('live');
    expect(res.report!.schemaVersion).toBe(1);
  });

  it('CONFIG disabled: the persistence check is said to be not run, never passed silently', async () => {
    const res = await runLive({ nodes: [], redis: noConfig.url });
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/store-single-point']);
    expect(res.report!.errors).toEqual([{ file: noConfig.url, message: 'the server did not tell persistence (live/store-not-persistent: CONFIG GET save); that check was not run' }]);
    expect((res.report!.project.live as { store: { facts: { saveRules: unknown } } }).store.facts.saveRules).toBeNull();
  });

  it('--fail-on warning turns the warnings into exit 1', async () => {
    const res = await runLive({ nodes: [], redis: plain.url, failOn: 'warning' });
    expect(res.exitCode).toBe(1);
  });

  it('reports eviction with maxmemory + allkeys-lru and not persistence when AOF is on', async () => {
    const res = await runLive({ nodes: [], redis: evicting.url });
    const ids = res.report!.findings.map((f) => f.ruleId);
    expect(ids).toContain('live/store-evicts-sessions');
    expect(ids).not.toContain('live/store-not-persistent');
    expect(res.report!.findings.find((f) => f.ruleId === 'live/store-evicts-sessions')!.message).toMatch(/allkeys-lru/);
  });

  it('reads the probe back from the replica and reports neither single point nor missing persistence', async () => {
    const res = await runLive({ nodes: [], redis: replicated.url });
    expect(res.report!.findings).toEqual([]);
    expect(res.exitCode).toBe(0);
    const probe = (res.report!.project.live as { store: { probe: { readFrom: string; readBack: boolean; replicationDelayMs: number } } }).store.probe;
    expect(probe.readFrom).toBe(`redis://127.0.0.1:${replica.port}`);
    expect(probe.readBack).toBe(true);
    expect(probe.replicationDelayMs).toBeGreaterThanOrEqual(0);
    expect(await keys(replicated.url, 'statelint:*')).toEqual([]);
  });

  it('--read-only writes nothing', async () => {
    const r = new Redis(plain.url);
    const seen: string[] = [];
    const mon = await r.monitor();
    mon.on('monitor', (_t: string, args: string[]) => seen.push(String(args[0]).toLowerCase()));
    const res = await runLive({ nodes: [], redis: plain.url, readOnly: true });
    await new Promise((s) => setTimeout(s, 100));
    mon.disconnect();
    r.disconnect();
    expect(res.report!.findings.length).toBe(2);
    expect((res.report!.project.live as { store: { probe: unknown } }).store.probe).toBeNull();
    expect(seen).toContain('info');
    expect(seen.filter((c) => ['set', 'setex', 'del', 'expire'].includes(c))).toEqual([]);
  });

  it('an unreachable redis is exit 2 with one sentence naming it, password redacted', async () => {
    const port = await freePort();
    const res = await runLive({ nodes: [], redis: `redis://:hunter22@127.0.0.1:${port}`, timeoutMs: 1000 });
    expect(res.exitCode).toBe(2);
    expect(res.report).toBeNull();
    expect(res.error).toMatch(new RegExp(`^redis redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} did not answer \\(ECONNREFUSED\\)$`));
    expect(res.error).not.toContain('hunter22');
  });

  it('the registered command prints a JSON report and sets the exit code', async () => {
    let out = '';
    let err = '';
    let code = -1;
    const program = new Command().exitOverride();
    registerLiveCommand(program, { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {}, stdoutIsTTY: false }, (c) => (code = c));
    await program.parseAsync(['live', '--redis', plain.url, '--format', 'json', '--fail-on', 'info'], { from: 'user' });
    expect(code).toBe(1);
    expect(err).toBe('');
    const report = JSON.parse(out);
    expect(report.command).toBe('live');
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId).sort()).toEqual(['live/store-not-persistent', 'live/store-single-point']);
  });

  it('sarif output lists the live checks as rules', async () => {
    let out = '';
    let code = -1;
    const program = new Command().exitOverride();
    registerLiveCommand(program, { stdout: (t) => (out += t), stderr: () => {}, env: {}, stdoutIsTTY: false }, (c) => (code = c));
    await program.parseAsync(['live', '--redis', evicting.url, '--format', 'sarif'], { from: 'user' });
    expect(code).toBe(0);
    const sarif = JSON.parse(out);
    const ruleIds = sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ruleIds).toEqual(expect.arrayContaining(['live/store-evicts-sessions']));
    expect(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).toContain('live/store-evicts-sessions');
  });
});

describe('live check metadata', () => {
  it('documents every check completely', () => {
    expect(LIVE_CHECKS.length).toBe(11);
    // Undecided checks, broken nodes and broken replicas fail the default --fail-on error.
    for (const id of ['live/check-incomplete', 'live/node-error', 'live/store-replication-broken']) expect(LIVE_CHECKS.find((c) => c.id === id)?.severity).toBe('error');
    for (const c of LIVE_CHECKS) {
      expect(c.id).toMatch(/^live\/[a-z0-9-]+$/);
      expect(c.category).toBe('sessions');
      expect(c.summary && c.why && c.remediation && c.examples.bad && c.examples.good).toBeTruthy();
    }
  });
});
