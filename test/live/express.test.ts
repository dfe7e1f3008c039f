import path from 'node:path';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLiveCommand, runLive } from '../../src/commands/live.js';
import { schemaErrors } from '../support/schema.js';
import { ensureSystemPackages, freePort, REPO, Servers, type Running } from './servers.js';

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

describe('live/store-session-missing for Express (connect-redis keys)', () => {
  const APP = 'fixtures/live/express-redis-app';
  const DEFAULT_APP = 'fixtures/live/express-redis-default';
  const ruleIds = (r: Awaited<ReturnType<typeof runLive>>) => r.report!.findings.map((f) => f.ruleId);
  const sessionKey = (r: Awaited<ReturnType<typeof runLive>>) => (r.report!.project.live as { sessionKey?: { found?: { key: string; ttlSeconds: number }; candidates?: string[] } }).sessionKey;
  let shopA: Running, shopB: Running, renamedA: Running, renamedB: Running;

  beforeAll(async () => {
    const env = { REDIS_URL: redis.url };
    [shopA, shopB, renamedA, renamedB] = await Promise.all([
      servers.expressNode({ ...env, NODE_NAME: 'A' }, undefined, `${APP}/server.mjs`),
      servers.expressNode({ ...env, NODE_NAME: 'B' }, undefined, `${APP}/server.mjs`),
      // nodes started with another prefix than the code's default: the store holds keys the project does not name
      servers.expressNode({ ...env, NODE_NAME: 'A', SESSION_PREFIX: 'other:' }, undefined, `${APP}/server.mjs`),
      servers.expressNode({ ...env, NODE_NAME: 'B', SESSION_PREFIX: 'other:' }, undefined, `${APP}/server.mjs`),
    ]);
  }, 60_000);

  it('custom prefix and cookie from the code, Redis from --env REDIS_URL: the key shop:sess:<id> is found with the cookie.maxAge TTL', async () => {
    const res = await runLive({ nodes: [shopA.url, shopB.url], ...login, projectPath: path.join(REPO, APP), envOverrides: { REDIS_URL: redis.url } });
    expect(ruleIds(res)).not.toContain('live/store-session-missing');
    expect(ruleIds(res)).not.toContain('live/check-incomplete');
    expect(ruleIds(res)).not.toContain('live/session-lost-on-switch');
    const live = res.report!.project.live as { projectConfig: { cookie: string; node: { prefix: string; prefixFrom: string; ttlSeconds: number } }; store: { from: string } };
    expect(live.projectConfig.cookie).toBe('shop.sid');
    expect(live.projectConfig.node).toMatchObject({ prefix: 'shop:sess:', ttlSeconds: 7200 });
    expect(live.projectConfig.node.prefixFrom).toMatch(/^server\.mjs:\d+$/);
    expect(live.store.from).toBe('project config');
    const key = sessionKey(res)!;
    expect(key.found!.key).toBe('shop:sess:<session id>');
    expect(key.found!.ttlSeconds).toBeGreaterThan(7000);
    expect(schemaErrors(res.report)).toEqual([]);
  });

  it('nodes that write under another prefix than the code says: live/store-session-missing naming the key looked for', async () => {
    const res = await runLive({ nodes: [renamedA.url, renamedB.url], ...login, projectPath: path.join(REPO, APP), envOverrides: { REDIS_URL: redis.url } });
    expect(ruleIds(res)).toContain('live/store-session-missing');
    expect(ruleIds(res)).not.toContain('live/session-lost-on-switch');
    const f = res.report!.findings.find((x) => x.ruleId === 'live/store-session-missing')!;
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/has no key in redis:\/\/127\.0\.0\.1:\d+ db 0 \(the connect-redis store of the app\): looked for shop:sess:<session id>/);
    expect(res.exitCode).toBe(1);
    // the session id itself is never printed
    const r = new Redis(redis.url);
    const ids = (await r.keys('other:*')).map((k) => k.slice('other:'.length));
    r.disconnect();
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(JSON.stringify(res.report)).not.toContain(id);
  });

  it("connect-redis's default prefix sess: and connect.sid (express-node.mjs nodes), Redis given by --redis: found", async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], ...login, projectPath: path.join(REPO, DEFAULT_APP), redis: redis.url });
    expect(ruleIds(res).sort()).toEqual(['live/store-not-persistent', 'live/store-single-point']);
    const live = res.report!.project.live as { projectConfig: { cookie: string; node: { prefix: string; prefixFrom: string; ttlSeconds: number } } };
    expect(live.projectConfig.cookie).toBe('connect.sid');
    expect(live.projectConfig.node).toMatchObject({ prefix: 'sess:', prefixFrom: 'default of connect-redis', ttlSeconds: 86400 });
    expect(sessionKey(res)!.found!.key).toBe('sess:<session id>');
  });

  it('the same project with nodes on per-process MemoryStores: the switch fails, no key check against a store they do not use', async () => {
    const res = await runLive({ nodes: [memA.url, memB.url], projectPath: path.join(REPO, DEFAULT_APP), redis: redis.url });
    expect(ruleIds(res)).toContain('live/session-lost-on-switch');
    expect(ruleIds(res)).toContain('live/store-session-missing');
  });

  it('no Redis in the code, env files or flags: live/check-incomplete says the key check did not run', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], projectPath: path.join(REPO, DEFAULT_APP) });
    const f = res.report!.findings.filter((x) => x.ruleId === 'live/check-incomplete');
    expect(f.map((x) => x.message).join('\n')).toMatch(/Redis server of the connect-redis store at server\.mjs:\d+ could not be worked out .*pass --redis URL.*the session key check did not run/);
    expect(res.exitCode).toBe(1);
  });
});
