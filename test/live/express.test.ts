import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLiveCommand, runLive } from '../../src/commands/live.js';
import { schemaErrors } from '../support/schema.js';
import { ensureSystemPackages, freePort, Servers, type Running } from './servers.js';

const servers = new Servers();
let redis: Running;
let memA: Running, memB: Running; // MemoryStore per process
let redA: Running, redB: Running; // one shared Redis via connect-redis
let cookieOnly: Running; // shared Redis, but logout only clears the cookie
let skewed: Running; // shared Redis, Date header 7 s ahead

beforeAll(async () => {
  ensureSystemPackages();
  redis = await servers.redis();
  const shared = { STORE: 'redis', REDIS_URL: redis.url };
  [memA, memB, redA, redB, cookieOnly, skewed] = await Promise.all([
    servers.expressNode({ NODE_NAME: 'A' }),
    servers.expressNode({ NODE_NAME: 'B' }),
    servers.expressNode({ NODE_NAME: 'A', ...shared }),
    servers.expressNode({ NODE_NAME: 'B', ...shared }),
    servers.expressNode({ NODE_NAME: 'C', ...shared, LOGOUT: 'cookie-only' }),
    servers.expressNode({ NODE_NAME: 'D', ...shared, CLOCK_SKEW_MS: '7000' }),
  ]);
}, 120_000);

afterAll(() => servers.stopAll());

const login = { loginPath: '/login', authPath: '/me', logoutPath: '/logout' };

describe('express-session across two nodes', () => {
  it('MemoryStore on two ports: the session is lost on the switch, exit 1', async () => {
    const res = await runLive({ nodes: [memA.url, memB.url] });
    expect(res.exitCode).toBe(1);
    const f = res.report!.findings;
    expect(f.map((x) => x.ruleId)).toEqual(['live/session-lost-on-switch']);
    expect(f[0]!.severity).toBe('error');
    expect(f[0]!.location.file).toBe(memB.url);
    expect(f[0]!.message).toMatch(/new connect\.sid session id/);
    expect(schemaErrors(res.report)).toEqual([]);
  });

  it('MemoryStore with a login: B does not know the user, reported once', async () => {
    const res = await runLive({ nodes: [memA.url, memB.url], ...login });
    expect(res.report!.findings.map((x) => x.ruleId)).toEqual(['live/session-lost-on-switch']);
    const sw = (res.report!.project.live as { switch: Record<string, { login: { authOnB: string } }> }).switch;
    expect(sw[`${memA.url} -> ${memB.url}`]!.login.authOnB).toBe('401');
  });

  it('connect-redis on one shared Redis: clean, exit 0, logout propagated', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], ...login });
    expect(res.report!.findings).toEqual([]);
    expect(res.exitCode).toBe(0);
    const pair = (res.report!.project.live as { switch: Record<string, { sessionKept: boolean; login: Record<string, string> }> }).switch[`${redA.url} -> ${redB.url}`]!;
    expect(pair.sessionKept).toBe(true);
    expect(pair.login.authOnB).toBe('200');
    expect(pair.login.oldCookieOnBAfterLogout).toBe('401');
    expect(schemaErrors(res.report)).toEqual([]);
  });

  it('logout that only clears the cookie: live/logout-not-propagated', async () => {
    const res = await runLive({ nodes: [cookieOnly.url, redB.url], ...login });
    expect(res.report!.findings.map((x) => x.ruleId)).toEqual(['live/logout-not-propagated']);
    expect(res.exitCode).toBe(1);
    expect(res.report!.findings[0]!.location.file).toBe(redB.url);
  });

  it('a node whose clock is 7 s ahead: live/clock-skew (warning, exit 0)', async () => {
    const res = await runLive({ nodes: [redA.url, skewed.url] });
    expect(res.report!.findings.map((x) => x.ruleId)).toEqual(['live/clock-skew']);
    expect(res.report!.findings[0]!.severity).toBe('warning');
    expect(res.report!.findings[0]!.message).toMatch(/ahead of/);
    expect(res.exitCode).toBe(0);
  });

  it('no session cookie on --path: live/check-incomplete (an undecided switch is never green), exit 1', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], path: '/health' });
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/check-incomplete']);
    expect(res.report!.findings[0]!.message).toMatch(/was not decided: GET \/health on .* set no session cookie/);
    expect(res.report!.summary.byCategory.sessions).toBe('unknown');
    expect(res.exitCode).toBe(1);
  });

  it('no cookie value ever appears in the output', async () => {
    let out = '';
    const program = new Command().exitOverride();
    registerLiveCommand(program, { stdout: (t) => (out += t), stderr: () => {}, env: {}, stdoutIsTTY: false }, () => {});
    await program.parseAsync(['live', '--node', memA.url, '--node', memB.url, '--login-path', '/login', '--auth-path', '/me', '--format', 'json'], { from: 'user' });
    const r = await fetch(`${memA.url}/`);
    const sample = /connect\.sid=([^;]+)/.exec(r.headers.get('set-cookie') ?? '')![1]!;
    expect(sample.length).toBeGreaterThan(20);
    expect(out).toContain('live/session-lost-on-switch');
    expect(out).not.toMatch(/s%3A[A-Za-z0-9_-]{20,}/);
    expect(out).not.toMatch(/s:[A-Za-z0-9_-]{20,}\./);
  });
});

describe('unreachable nodes', () => {
  it('node B stopped: exit 2 with a sentence naming it', async () => {
    const extra = await servers.expressNode({ NODE_NAME: 'X' });
    await extra.stop();
    const res = await runLive({ nodes: [memA.url, extra.url], timeoutMs: 2000 });
    expect(res.exitCode).toBe(2);
    expect(res.report).toBeNull();
    expect(res.error).toBe(`node ${extra.url} did not answer (ECONNREFUSED)`);
  });

  it('the command prints "statelint: node ... did not answer" on stderr and sets exit 2', async () => {
    const port = await freePort();
    let err = '';
    let out = '';
    let code = -1;
    const program = new Command().exitOverride();
    registerLiveCommand(program, { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {}, stdoutIsTTY: false }, (c) => (code = c));
    await program.parseAsync(['live', '--node', redA.url, '--node', `http://127.0.0.1:${port}`], { from: 'user' });
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`statelint: node http://127.0.0.1:${port} did not answer (ECONNREFUSED)\n`);
  });

  it('a single node is a usage error (exit 2)', async () => {
    const res = await runLive({ nodes: [redA.url] });
    expect(res.exitCode).toBe(2);
    expect(res.error).toMatch(/at least two --node/);
  });
});

describe('store and nodes together', () => {
  it('probes the shared Redis and switches the session in one run', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], redis: redis.url });
    expect(res.report!.findings.map((x) => x.ruleId).sort()).toEqual(['live/store-not-persistent', 'live/store-single-point']);
    const r = new Redis(redis.url);
    expect(await r.keys('statelint:*')).toEqual([]);
    expect((await r.keys('sess:*')).length).toBeGreaterThan(0);
    r.disconnect();
  });
});
