import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live as runLive } from '../../src/api/index.js';
import { registerLiveCommand } from '../../src/commands/live.js';
import type { LoadStats } from '../../src/live/load.js';
import { ensureSystemPackages, Servers, type Running } from './servers.js';

// Form login with CSRF on real Laravel 8 nodes (php -S): GET /form-login for the _token, POST the
// form (VerifyCsrfToken checks it), /me needs the login, POST /logout. The password is random per run
// and must never appear in any output.
const servers = new Servers();
const KEY = `base64:${randomBytes(32).toString('base64')}`;
const EMAIL = 'qa@example.com';
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
let redis: Running;
let fileA: Running, fileB: Running; // file sessions, separate storage per node
let redA: Running, redB: Running; // one shared Redis

beforeAll(async () => {
  ensureSystemPackages();
  redis = await servers.redis();
  const app = servers.laravelApp();
  const base = { APP_KEY: KEY, LOGIN_EMAIL: EMAIL, LOGIN_PASSWORD: PASSWORD };
  const onRedis = { ...base, SESSION_DRIVER: 'redis', REDIS_PORT: String(redis.port) };
  [fileA, fileB, redA, redB] = await Promise.all([
    servers.laravelNode(app, { ...base, SESSION_DRIVER: 'file' }),
    servers.laravelNode(app, { ...base, SESSION_DRIVER: 'file' }),
    servers.laravelNode(app, onRedis),
    servers.laravelNode(app, onRedis),
  ]);
}, 120_000);

afterAll(() => servers.stopAll());

const form = { loginPath: '/form-login', loginFields: { email: EMAIL, password: PASSWORD }, authPath: '/me', logoutPath: '/logout' };
type Pair = { sessionKept: boolean; login: Record<string, string> };
const pairOf = (res: Awaited<ReturnType<typeof runLive>>, a: Running, b: Running) => (res.report!.project.live as { switch: Record<string, Pair> }).switch[`${a.url} -> ${b.url}`]!;

describe('the fixture login form is really CSRF-protected', () => {
  it('a POST without the _token is refused with 419, a wrong password does not log in', async () => {
    const noToken = await fetch(`${redA.url}/form-login`, { method: 'POST', body: new URLSearchParams({ email: EMAIL, password: PASSWORD }), redirect: 'manual' });
    expect(noToken.status).toBe(419);
    const res = await runLive({ nodes: [redA.url, redB.url], appKey: KEY, ...form, loginFields: { email: EMAIL, password: 'not-the-password' } });
    expect(pairOf(res, redA, redB).login.authOnA).toBe('401');
    // the login check could not run: that is not a pass
    const incomplete = res.report!.findings.filter((f) => f.ruleId === 'live/check-incomplete');
    expect(incomplete.map((f) => f.message)).toEqual([`After logging in through /form-login on ${redA.url}, /me answered 401 on the same node: the login did not work (check --login-path, --login-field and --auth-path), so the login and logout checks for ${redA.url} -> ${redB.url} did not run.`]);
    expect(res.exitCode).toBe(1);
  });
});

describe('Laravel form login with CSRF (--login-field)', () => {
  it('file sessions with separate storage per node: live/session-lost-on-switch, exit 1', async () => {
    const res = await runLive({ nodes: [fileA.url, fileB.url], appKey: KEY, ...form });
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/session-lost-on-switch']);
    expect(res.exitCode).toBe(1);
    const pair = pairOf(res, fileA, fileB);
    expect(pair.login.status).toBe(`302 -> ${fileA.url}/me`);
    expect(pair.login.authOnA).toBe('200');
    expect(pair.login.authOnB).toBe('401');
  });

  it('file sessions, without the APP_KEY: the login on B fails, session lost', async () => {
    const res = await runLive({ nodes: [fileA.url, fileB.url], ...form });
    expect(res.report!.findings.map((f) => f.ruleId)).toEqual(['live/session-lost-on-switch']);
    expect(res.report!.findings[0]!.message).toMatch(/Logged in on .*, \/me on .* answered 401/);
  });

  it('one shared Redis: clean, exit 0, login survives the switch and logout (POST with the XSRF token) propagates', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], appKey: KEY, redis: redis.url, ...form });
    expect(res.report!.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(res.exitCode).toBe(0);
    const pair = pairOf(res, redA, redB);
    expect(pair.sessionKept).toBe(true);
    expect(pair.login).toEqual({ status: `302 -> ${redA.url}/me`, authOnA: '200', authOnB: '200', logout: `302 -> ${redA.url}`, oldCookieOnBAfterLogout: '401' });
  });

  it('the login field values never appear in any output format', async () => {
    for (const [nodes, expected] of [[[fileA, fileB], 1], [[redA, redB], 0]] as const) {
      for (const format of ['pretty', 'json', 'sarif']) {
        let out = '';
        let code = -1;
        const program = new Command().exitOverride();
        registerLiveCommand(program, { stdout: (t) => (out += t), stderr: (t) => (out += t), env: {}, stdoutIsTTY: false }, (c) => (code = c));
        const args = ['live', ...nodes.flatMap((n) => ['--node', n.url]), '--app-key', KEY, '--login-path', '/form-login', '--login-field', `email=${EMAIL}`, '--login-field', `password=${PASSWORD}`, '--auth-path', '/me', '--logout-path', '/logout', '--format', format];
        await program.parseAsync(args, { from: 'user' });
        expect(code).toBe(expected);
        expect(out).not.toContain(PASSWORD);
        expect(out).not.toContain(KEY.slice(7, 30));
      }
    }
  });
});

describe('Laravel load mode (php -S is single-threaded: low concurrency)', () => {
  it('100 sessions with form login across two nodes on shared Redis: 100 % survival, logout propagated', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], appKey: KEY, ...form, sessions: 100, concurrency: 4, timeoutMs: 15_000 });
    const s = (res.report!.project.live as { load: LoadStats }).load;
    const nodes = Object.entries(s.perNode).map(([n, l]) => `${n}: ${l.requests} req, p50 ${l.p50Ms} / p95 ${l.p95Ms} / p99 ${l.p99Ms} ms`).join('; ');
    console.log(`laravel load (form login + logout): ${s.survived}/${s.judged} survived, logout stale ${s.logout?.stale}/${s.logout?.checked}, ${s.requests} requests in ${s.wallMs} ms (${s.sessionsPerSecond} sessions/s, ${s.requestsPerSecond} req/s); ${nodes}`);
    expect(s.errors).toBe(0);
    expect(s.survived).toBe(100);
    expect(s.survivalRate).toBe(1);
    expect(s.logout).toEqual({ checked: 100, stale: 0, notChecked: 0 });
    expect(res.report!.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(res.exitCode).toBe(0);
  }, 80_000);
});
