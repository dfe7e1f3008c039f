import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live as runLive } from '../../src/api/index.js';
import { registerLiveCommand } from '../../src/commands/live.js';
import type { LoadStats } from '../../src/live/load.js';
import { ensureSystemPackages, Servers, type Running, type TestCert } from './servers.js';

// https nodes and rediss stores: a throwaway self-signed certificate for 127.0.0.1 made with openssl at
// test time, Express over HTTPS, redis-server with --tls-port. Nothing skips certificate verification:
// statelint trusts the certificate only through --ca.
const servers = new Servers();
let tls: TestCert; // the nodes' and the store's certificate (its own CA)
let stranger: TestCert; // another self-signed certificate: a CA that did not sign the nodes' certificate
let store: Running; // rediss:// only (--port 0)
let memA: Running, memB: Running; // https, MemoryStore per process
let redA: Running, redB: Running; // https, connect-redis on the rediss store

beforeAll(async () => {
  ensureSystemPackages();
  tls = servers.certificate();
  stranger = servers.certificate();
  store = await servers.redisTls(tls);
  // the nodes' own ioredis trusts the certificate through Node's NODE_EXTRA_CA_CERTS
  const shared = { STORE: 'redis', REDIS_URL: store.url, NODE_EXTRA_CA_CERTS: tls.cert };
  [memA, memB, redA, redB] = await Promise.all([
    servers.expressNode({ NODE_NAME: 'A' }, tls),
    servers.expressNode({ NODE_NAME: 'B' }, tls),
    servers.expressNode({ NODE_NAME: 'A', ...shared }, tls),
    servers.expressNode({ NODE_NAME: 'B', ...shared }, tls),
  ]);
}, 120_000);

afterAll(() => servers.stopAll());

const login = { loginPath: '/login', authPath: '/me', logoutPath: '/logout' };

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  let code = -1;
  const program = new Command().exitOverride();
  registerLiveCommand(program, { stdout: (t) => (out += t), stderr: (t) => (err += t), env, stdoutIsTTY: false }, (c) => (code = c));
  await program.parseAsync(['live', ...args], { from: 'user' });
  return { out, err, code };
}

describe('https nodes', () => {
  it('the harness really serves HTTPS with a certificate Node does not trust by default', async () => {
    expect(redA.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await expect(fetch(`${redA.url}/health`)).rejects.toThrow();
  });

  it('https pair on one shared rediss store, --ca: clean, exit 0, logout propagated', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], ca: tls.cert, ...login });
    expect(res.error).toBeUndefined();
    expect(res.report!.findings).toEqual([]);
    expect(res.exitCode).toBe(0);
    const pair = (res.report!.project.live as { switch: Record<string, { sessionKept: boolean; login: Record<string, string> }> }).switch[`${redA.url} -> ${redB.url}`]!;
    expect(pair.sessionKept).toBe(true);
    expect(pair.login.authOnB).toBe('200');
    expect(pair.login.oldCookieOnBAfterLogout).toBe('401');
  });

  it('https pair with MemoryStore, --ca: live/session-lost-on-switch, exit 1', async () => {
    const res = await runLive({ nodes: [memA.url, memB.url], ca: tls.cert, ...login });
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/session-lost-on-switch']);
    expect(res.report!.findings[0]!.location.file).toBe(memB.url);
    expect(res.exitCode).toBe(1);
  });

  it('load mode over https (200 sessions): 100 % survival', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], ca: tls.cert, sessions: 200, concurrency: 20, loginPath: '/login', authPath: '/me' });
    const s = (res.report!.project.live as { load: LoadStats }).load;
    console.log(`https load: ${s.survived}/${s.judged} in ${s.wallMs} ms (${s.sessionsPerSecond} sessions/s)`);
    expect(s.survived).toBe(200);
    expect(s.errors).toBe(0);
    expect(res.exitCode).toBe(0);
  });

  it('an untrusted certificate (no --ca) is exit 2 with a sentence naming the node', async () => {
    const res = await runLive({ nodes: [memA.url, memB.url], ...login, timeoutMs: 3000 });
    expect(res.exitCode).toBe(2);
    expect(res.report).toBeNull();
    expect(res.error).toBe(`node ${memA.url} presented a TLS certificate that statelint does not trust (DEPTH_ZERO_SELF_SIGNED_CERT); certificate verification stays on: pass the private CA with --ca FILE (PEM)`);
  });

  it('a --ca that did not sign the certificate does not make it trusted', async () => {
    const res = await runLive({ nodes: [memA.url, memB.url], ca: stranger.cert, timeoutMs: 3000 });
    expect(res.exitCode).toBe(2);
    expect(res.error).toMatch(new RegExp(`^node ${memA.url.replace(/\./g, '\\.')} presented a TLS certificate that statelint does not trust \\(`));
  });

  it('a --ca file without a certificate is a usage error (exit 2)', async () => {
    const bad = path.join(servers.tmpDir(), 'not-a-cert.pem');
    writeFileSync(bad, 'hello\n');
    const res = await runLive({ nodes: [memA.url, memB.url], ca: bad });
    expect(res.exitCode).toBe(2);
    expect(res.error).toBe(`--ca: ${bad} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  });
});

describe('rediss store', () => {
  it('store mode on rediss:// with --ca: probe written, read back, deleted', async () => {
    const res = await runLive({ nodes: [], redis: store.url, ca: tls.cert });
    expect(res.error).toBeUndefined();
    expect(res.exitCode).toBe(0);
    expect(res.report!.findings.map((f) => f.ruleId).sort()).toEqual(['live/store-not-persistent', 'live/store-single-point']);
    const s = (res.report!.project.live as { store: { target: string; probe: { readBack: boolean; deleted: boolean; ttlSeconds: number } } }).store;
    expect(s.target).toBe(store.url);
    expect(s.probe.readBack).toBe(true);
    expect(s.probe.deleted).toBe(true);
    expect(s.probe.ttlSeconds).toBeGreaterThan(50);
    const r = new Redis(store.url, { tls: { ca: tls.pem }, lazyConnect: true });
    await r.connect();
    expect(await r.keys('statelint:*')).toEqual([]);
    r.disconnect();
  });

  it('rediss:// without --ca is exit 2 naming the store', async () => {
    const res = await runLive({ nodes: [], redis: store.url, timeoutMs: 3000 });
    expect(res.exitCode).toBe(2);
    expect(res.error).toBe(`redis ${store.url} presented a TLS certificate that statelint does not trust (DEPTH_ZERO_SELF_SIGNED_CERT); certificate verification stays on: pass the private CA with --ca FILE (PEM)`);
  });

  it('the binary path: https nodes + rediss store with one --ca, JSON report, exit 0', async () => {
    const { out, err, code } = await cli(['--node', redA.url, '--node', redB.url, '--login-path', '/login', '--auth-path', '/me', '--logout-path', '/logout', '--redis', store.url, '--ca', tls.cert, '--format', 'json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.project.live.store.probe.readBack).toBe(true);
    expect(report.findings.map((f: { ruleId: string }) => f.ruleId).sort()).toEqual(['live/store-not-persistent', 'live/store-single-point']);
    expect(out).not.toMatch(/s%3A[A-Za-z0-9_-]{10,}/); // no connect.sid value
  });
});
