import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live as runLive } from '../../src/api/index.js';
import { registerLiveCommand } from '../../src/commands/live.js';
import { decryptLaravelCookie, encryptLaravelCookie } from '../../src/live/laravel-cookie.js';
import { describeLoad, type LoadStats } from '../../src/live/load.js';
import { ensureSystemPackages, REPO, Servers, type Running } from './servers.js';

const servers = new Servers();
const KEY = `base64:${randomBytes(32).toString('base64')}`;
const OTHER_KEY = `base64:${randomBytes(32).toString('base64')}`;
let redis: Running;
let evicting: Running;
let fileA: Running, fileB: Running; // file sessions, separate storage per node
let redA: Running, redB: Running; // one shared Redis
let otherKeyB: Running; // shared Redis, different APP_KEY
let evA: Running, evB: Running; // shared Redis with maxmemory + allkeys-lru
let unused: Running; // a Redis no node uses
let shortA: Running, shortB: Running; // shared Redis, SESSION_LIFETIME=2 while the project says 120

beforeAll(async () => {
  ensureSystemPackages();
  [redis, evicting, unused] = await Promise.all([servers.redis(), servers.redis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']), servers.redis()]);
  const app = servers.laravelApp();
  const onRedis = (r: Running) => ({ SESSION_DRIVER: 'redis', REDIS_PORT: String(r.port) });
  [fileA, fileB, redA, redB, otherKeyB, evA, evB, shortA, shortB] = await Promise.all([
    servers.laravelNode(app, { APP_KEY: KEY, SESSION_DRIVER: 'file' }),
    servers.laravelNode(app, { APP_KEY: KEY, SESSION_DRIVER: 'file' }),
    servers.laravelNode(app, { APP_KEY: KEY, ...onRedis(redis) }),
    servers.laravelNode(app, { APP_KEY: KEY, ...onRedis(redis) }),
    servers.laravelNode(app, { APP_KEY: OTHER_KEY, ...onRedis(redis) }),
    servers.laravelNode(app, { APP_KEY: KEY, ...onRedis(evicting) }),
    servers.laravelNode(app, { APP_KEY: KEY, ...onRedis(evicting) }),
    servers.laravelNode(app, { APP_KEY: KEY, ...onRedis(redis), SESSION_LIFETIME: '2' }),
    servers.laravelNode(app, { APP_KEY: KEY, ...onRedis(redis), SESSION_LIFETIME: '2' }),
  ]);
}, 120_000);

afterAll(() => servers.stopAll());

/** A copy of the fixture app as the project statelint reads, with a .env (the nodes get their env from the process). */
function projectWith(env: Record<string, string>): string {
  const dir = servers.laravelApp();
  writeFileSync(path.join(dir, '.env'), Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return dir;
}

const login = { loginPath: '/login', authPath: '/me', logoutPath: '/logout' };

describe('Laravel cookie crypto', () => {
  it('decrypts a cookie issued by a real Laravel node and rejects a wrong key', async () => {
    const res = await fetch(`${redA.url}/`);
    const raw = /laravel_session=([^;]+)/.exec(res.headers.getSetCookie().join('\n'))![1]!;
    const ok = decryptLaravelCookie('laravel_session', raw, KEY);
    expect(ok.ok && /^[A-Za-z0-9]{40}$/.test(ok.value)).toBe(true);
    expect(decryptLaravelCookie('laravel_session', raw, OTHER_KEY)).toEqual({ ok: false, reason: 'mac-invalid' });
    expect(decryptLaravelCookie('XSRF-TOKEN', raw, KEY)).toEqual({ ok: false, reason: 'prefix-mismatch' });
  });

  it('a cookie built by statelint is accepted by Laravel (same session id)', async () => {
    const login = await fetch(`${redA.url}/login?user=zoe`);
    const raw = /laravel_session=([^;]+)/.exec(login.headers.getSetCookie().join('\n'))![1]!;
    const d = decryptLaravelCookie('laravel_session', raw, KEY);
    expect(d.ok).toBe(true);
    const forged = encryptLaravelCookie('laravel_session', (d as { value: string }).value, KEY);
    const me = await fetch(`${redB.url}/me`, { headers: { cookie: `laravel_session=${forged}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ user: 'zoe' });
  });
});

describe('Laravel, two nodes', () => {
  it('file sessions with separate storage per node: live/session-lost-on-switch, exit 1', async () => {
    const res = await runLive({ nodes: [fileA.url, fileB.url], appKey: KEY, ...login });
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/session-lost-on-switch']);
    expect(res.report!.findings[0]!.message).toMatch(/CSRF token differs/);
    expect(res.exitCode).toBe(1);
  });

  it('file sessions without the APP_KEY: the login on B fails, still session lost', async () => {
    const res = await runLive({ nodes: [fileA.url, fileB.url], ...login });
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/session-lost-on-switch']);
    expect(res.report!.findings[0]!.message).toMatch(/answered 401/);
  });

  it('one shared Redis: clean, exit 0, logout propagation verified', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], appKey: KEY, redis: redis.url, ...login });
    expect(res.report!.findings.filter((f) => f.ruleId.startsWith('live/session') || f.ruleId.startsWith('live/cookie') || f.ruleId.startsWith('live/logout'))).toEqual([]);
    expect(res.report!.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(res.exitCode).toBe(0);
    const pair = (res.report!.project.live as { switch: Record<string, { sessionKept: boolean; login: Record<string, string> }> }).switch[`${redA.url} -> ${redB.url}`]!;
    expect(pair.sessionKept).toBe(true);
    expect(pair.login.authOnB).toBe('200');
    expect(pair.login.oldCookieOnBAfterLogout).toBe('401');
  });

  it('a different APP_KEY on node B: live/cookie-rejected-by-node', async () => {
    const res = await runLive({ nodes: [redA.url, otherKeyB.url], appKey: KEY, ...login });
    const ids = res.report!.findings.map((f) => f.ruleId);
    expect(ids).toEqual(['live/cookie-rejected-by-node']);
    expect(res.report!.findings[0]!.location.file).toBe(otherKeyB.url);
    expect(res.exitCode).toBe(1);
  });

  it('shared Redis with maxmemory + allkeys-lru: live/store-evicts-sessions', async () => {
    const res = await runLive({ nodes: [evA.url, evB.url], appKey: KEY, redis: evicting.url, ...login });
    const ids = res.report!.findings.map((f) => f.ruleId);
    expect(ids).toContain('live/store-evicts-sessions');
    expect(ids).not.toContain('live/session-lost-on-switch');
  });

  it('reads APP_KEY from the project .env and never prints it or a cookie value', async () => {
    const project = mkdtempSync(path.join(os.tmpdir(), 'statelint-live-project-'));
    try {
      writeFileSync(path.join(project, '.env'), `APP_NAME=Laravel\nAPP_KEY=${KEY}\nSESSION_DRIVER=file\n`);
      for (const format of ['json', 'pretty', 'sarif']) {
        let out = '';
        let code = -1;
        const program = new Command().exitOverride();
        registerLiveCommand(program, { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {}, stdoutIsTTY: false }, (c) => (code = c));
        await program.parseAsync(['live', project, '--node', fileA.url, '--node', fileB.url, '--format', format], { from: 'user' });
        expect(code).toBe(1);
        expect(out).toContain('live/session-lost-on-switch');
        expect(out).toMatch(/CSRF token differs/); // only possible when the key was read from .env
        expect(out).not.toContain(KEY.slice(7, 30));
        expect(out).not.toMatch(/eyJ[A-Za-z0-9%+/=]{20,}/); // no encrypted cookie value
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });

  it('sessions land in the shared Redis under the Laravel key layout', async () => {
    const r = new Redis(redis.url);
    const keys = await r.keys('laravel_database_laravel_cache:*');
    r.disconnect();
    expect(keys.length).toBeGreaterThan(0);
  });
});

describe('live/store-session-missing (project config resolved by the audit resolver)', () => {
  const env = (r: Running) => ({ APP_NAME: 'Laravel', APP_KEY: KEY, SESSION_DRIVER: 'redis', REDIS_PORT: String(r.port) });

  it('the session key exists where the config says (Laravel 8 layout), TTL = lifetime: no finding', async () => {
    const res = await runLive({ projectPath: projectWith(env(redis)), nodes: [redA.url, redB.url], ...login });
    expect(res.report!.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(res.exitCode).toBe(0);
    const live = res.report!.project.live as { projectConfig: Record<string, unknown>; store: { from: string }; sessionKey: { candidates: string[]; found: { key: string; layout: string; ttlSeconds: number; expectedTtlSeconds: number } } };
    expect(live.projectConfig).toMatchObject({ cookie: 'laravel_session', lifetimeMinutes: 120, driver: 'redis', laravelMajor: 8, appKey: 'from the project (redacted)' });
    expect(live.store.from).toBe('project config');
    expect(live.sessionKey.found.key).toBe('laravel_database_laravel_cache:<session id>');
    expect(live.sessionKey.found.layout).toMatch(/Laravel 8-10/);
    expect(live.sessionKey.found.expectedTtlSeconds).toBe(7200);
    expect(live.sessionKey.found.ttlSeconds).toBeGreaterThan(7100);
    expect(JSON.stringify(res.report)).not.toContain(KEY.slice(7, 30));
  });

  it('the config points at a Redis the nodes do not use: live/store-session-missing, exit 1', async () => {
    const res = await runLive({ projectPath: projectWith(env(unused)), nodes: [redA.url, redB.url], ...login });
    const missing = res.report!.findings.filter((f) => f.ruleId === 'live/store-session-missing');
    expect(missing.length).toBe(1);
    expect(missing[0]!.severity).toBe('error');
    expect(missing[0]!.location.file).toBe(unused.url);
    expect(missing[0]!.message).toMatch(/has no key in .* db 0 \(connection "default"\): looked for laravel_database_laravel_cache:<session id> and laravel_database_laravel_cache<session id>\./);
    expect(res.exitCode).toBe(1);
  });

  it('a TTL far below session.lifetime is a finding too', async () => {
    const res = await runLive({ projectPath: projectWith(env(redis)), nodes: [shortA.url, shortB.url] });
    const f = res.report!.findings.filter((x) => x.ruleId === 'live/store-session-missing');
    expect(f.length).toBe(1);
    expect(f[0]!.message).toMatch(/expires in 1[0-2]\d s, far below session.lifetime 120 min \(7200 s\)/);
  });
});

describe('Laravel without the right APP_KEY: undecided is never green', () => {
  it('file sessions per node, no APP_KEY, no login: live/check-incomplete, exit 1 (not "No problems found")', async () => {
    const res = await runLive({ nodes: [fileA.url, fileB.url] });
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/check-incomplete']);
    expect(res.report!.findings[0]!.message).toBe(`Whether a session made on ${fileA.url} survives the switch to ${fileB.url} was not decided: the laravel_session cookie is encrypted and no APP_KEY was given (pass --app-key, or the project path to read it from).`);
    expect(res.report!.summary.byCategory.sessions).toBe('unknown');
    expect(res.exitCode).toBe(1);
  });

  it('a wrong APP_KEY: live/check-incomplete saying the key does not decrypt the cookie (mac-invalid)', async () => {
    const res = await runLive({ nodes: [fileA.url, fileB.url], appKey: OTHER_KEY });
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/check-incomplete']);
    expect(res.report!.findings[0]!.message).toMatch(/cannot decrypt the laravel_session cookie http:\/\/127\.0\.0\.1:\d+ issued \(mac-invalid\): pass the nodes' APP_KEY with --app-key/);
    expect(JSON.stringify(res.report)).not.toContain(OTHER_KEY.slice(7, 30));
    expect(res.exitCode).toBe(1);
  });

  it('load mode without the APP_KEY: every session undecided, live/check-incomplete, exit 1 (not "0/0 survived", exit 0)', async () => {
    const res = await runLive({ nodes: [fileA.url, fileB.url], sessions: 20, concurrency: 2 });
    const s = (res.report!.project.live as { load: LoadStats }).load;
    console.log(`laravel load without APP_KEY: ${describeLoad(s)}`);
    expect(s.judged).toBe(0);
    expect(s.unknown).toBe(20);
    expect(s.survivalRate).toBeNull();
    expect(describeLoad(s)).toMatch(/^20 sessions, concurrency 2: 0\/20 checked, 0\/0 survived \(n\/a\), 20 undecided;/);
    const messages = res.report!.findings.filter((f) => f.ruleId === 'live/check-incomplete').map((f) => f.message).join('\n');
    expect(messages).toMatch(/Load mode: 20 of 20 sessions could not be checked \(20 undecided\); 0 were checked\..*encrypted cookie, no APP_KEY/);
    expect(res.exitCode).toBe(1);
  });
});

describe('a project whose session Redis settings are broken', () => {
  // The fixture hard-codes host and db; this copy reads them from the env like a real app does.
  const databasePhp = `<?php
return [
    'default' => 'sqlite',
    'connections' => ['sqlite' => ['driver' => 'sqlite', 'database' => ':memory:', 'prefix' => '']],
    'redis' => [
        'client' => 'phpredis',
        'options' => ['cluster' => 'redis', 'prefix' => 'laravel_database_'],
        'default' => ['host' => env('REDIS_HOST', '127.0.0.1'), 'port' => env('REDIS_PORT', '6379'), 'database' => env('REDIS_DB', '0')],
    ],
];
`;
  const project = (env: Record<string, string>) => {
    const dir = projectWith({ APP_NAME: 'Laravel', APP_KEY: KEY, SESSION_DRIVER: 'redis', ...env });
    writeFileSync(path.join(dir, 'config/database.php'), databasePhp);
    return dir;
  };
  const statelint = (args: string[]) => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin/statelint.js'), 'live', ...args], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    return { ...r, ms: Date.now() - t0 };
  };

  it('REDIS_DB=9999: the SELECT fails, the finding says so and the process exits (it used to hang after the report), also with --read-only', () => {
    const dir = project({ REDIS_PORT: String(redis.port), REDIS_DB: '9999' });
    for (const extra of [[], ['--read-only']]) {
      const r = statelint([dir, '--node', redA.url, '--node', redB.url, '--format', 'json', '--timeout', '3000', ...extra]);
      console.log(`REDIS_DB=9999 ${extra.join(' ')}: exit ${r.status} after ${r.ms} ms`);
      expect(r.signal).toBeNull(); // not killed by the 30 s spawn timeout
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('');
      const f = JSON.parse(r.stdout).findings.filter((x: { ruleId: string }) => x.ruleId === 'live/store-session-missing');
      expect(f.length).toBe(1);
      expect(f[0].message).toMatch(/sessions live in redis:\/\/127\.0\.0\.1:\d+ db 9999 \(connection "default"\), but that Redis has no db 9999 \(ERR DB index is out of range\)/);
    }
  });

  it.each([
    [{ REDIS_PORT: 'abc' }, 'database.redis.default has port "abc", which is not a TCP port (1-65535)'],
    [{ REDIS_PORT: '99999' }, 'database.redis.default has port "99999", which is not a TCP port (1-65535)'],
    [{ REDIS_HOST: 'redis host' }, 'database.redis.default has host "redis host", which is not a host name or address'],
  ])('%o: one live/check-incomplete finding saying so, no stack trace (exit 1)', async (env, said) => {
    let out = '';
    let err = '';
    let code = -1;
    const program = new Command().exitOverride();
    registerLiveCommand(program, { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {}, stdoutIsTTY: false }, (c) => (code = c));
    await program.parseAsync(['live', project(env), '--node', redA.url, '--node', redB.url, '--format', 'json', '--timeout', '3000'], { from: 'user' });
    expect(err).toBe('');
    expect(code).toBe(1);
    const report = JSON.parse(out);
    const f = report.findings.filter((x: { ruleId: string }) => x.ruleId === 'live/check-incomplete');
    expect(f.map((x: { message: string }) => x.message)).toEqual([`From the project's configuration: ${said}; the store probe and the session key check did not run.`]);
    expect(report.project.live.store).toBeUndefined();
  });
});
