import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live as runLive } from '../../src/api/index.js';
import { registerLiveCommand } from '../../src/commands/live.js';
import { MAX_BODY_BYTES } from '../../src/live/http.js';
import { describeLoad, type LoadStats } from '../../src/live/load.js';
import { ensureSystemPackages, REPO, Servers, type Running } from './servers.js';

// Broken, hostile, slow and dying components, all real processes on 127.0.0.1: Express fixture nodes,
// the same nodes behind test/live/fault-proxy.mjs (500s, redirect loops, redirects to another origin,
// 100 MB bodies, a gzip bomb, garbage Set-Cookie, slow answers), nodes killed or frozen (SIGSTOP)
// mid-run and a Redis stopped mid-run. Every verdict must say what was not checked, with the right
// exit code, and leave no statelint:probe:* key.
const servers = new Servers();
let redis: Running;
let redA: Running, redB: Running; // connect-redis on one shared Redis
let b500me: Running, bBroken: Running, bLoop: Running, bForeign: Running, bHuge: Running, bBomb: Running, bGarbage: Running, bSlowMe: Running, bSlowStart: Running, bDrop: Running, aCsrfBomb: Running;

// Another origin on 127.0.0.1 (a different port): statelint must never send it anything.
let canaryHits = 0;
let canaryUrl = '';
const canary = http.createServer((req, res) => {
  canaryHits++;
  req.resume();
  res.end('should not be here');
});

beforeAll(async () => {
  ensureSystemPackages();
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', () => r()));
  canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}`;
  redis = await servers.redis();
  const shared = { STORE: 'redis', REDIS_URL: redis.url };
  [redA, redB] = await Promise.all([servers.expressNode({ NODE_NAME: 'A', ...shared }), servers.expressNode({ NODE_NAME: 'B', ...shared })]);
  [b500me, bBroken, bLoop, bForeign, bHuge, bBomb, bGarbage, bSlowMe, bSlowStart, bDrop, aCsrfBomb] = await Promise.all([
    servers.faultProxy(redB, 'status500:/me'),
    servers.faultProxy(redB, 'status500'),
    servers.faultProxy(redB, 'redirect-loop:/'),
    servers.faultProxy(redB, `redirect-to:/:${canaryUrl}/stolen`),
    servers.faultProxy(redB, 'huge-body:/'),
    servers.faultProxy(redB, 'gzip-bomb:/'),
    servers.faultProxy(redB, 'garbage-cookie'),
    servers.faultProxy(redB, 'slow:/me:8000'),
    servers.faultProxy(redB, 'slow:/:8000'),
    servers.faultProxy(redB, 'drop-reused'),
    servers.faultProxy(redA, 'csrf-bomb:/login'),
  ]);
}, 120_000);

afterAll(async () => {
  await servers.stopAll();
  await new Promise((r) => canary.close(r));
});

const login = { loginPath: '/login', authPath: '/me', logoutPath: '/logout' };
// Without logout the session keys stay in Redis: the mid-run tests count them to know the run is under way.
const loginOnly = { loginPath: '/login', authPath: '/me' };
const ids = (res: Awaited<ReturnType<typeof runLive>>) => res.report!.findings.map((f) => f.ruleId).sort();
const loadOf = (res: Awaited<ReturnType<typeof runLive>>) => (res.report!.project.live as { load: LoadStats }).load;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cli(args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  let code = -1;
  const program = new Command().exitOverride();
  registerLiveCommand(program, { stdout: (t) => (out += t), stderr: (t) => (err += t), env: {}, stdoutIsTTY: false }, (c) => (code = c));
  await program.parseAsync(['live', ...args], { from: 'user' });
  return { out, err, code };
}

async function proxyStats(p: Running): Promise<{ requests: number; bytesWritten: number; byPath: Record<string, number> }> {
  return (await fetch(`${p.url}/__stats`)).json() as Promise<{ requests: number; bytesWritten: number; byPath: Record<string, number> }>;
}

/** Waits until `redisUrl` holds at least `n` keys (sessions made by a load run in flight). */
async function untilKeys(redisUrl: string, n: number, ms = 20_000): Promise<number> {
  const r = new Redis(redisUrl, { lazyConnect: true, commandTimeout: 1000, maxRetriesPerRequest: 0 });
  await r.connect();
  try {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const size = await r.dbsize();
      if (size >= n) return size;
      await sleep(20);
    }
    throw new Error(`fewer than ${n} keys in ${redisUrl} after ${ms} ms`);
  } finally {
    r.disconnect();
  }
}

async function probeKeys(redisUrl: string): Promise<string[]> {
  const r = new Redis(redisUrl, { lazyConnect: true, commandTimeout: 2000, maxRetriesPerRequest: 0 });
  await r.connect();
  try {
    return await r.keys('statelint:probe:*');
  } finally {
    r.disconnect();
  }
}

function printLoad(label: string, s: LoadStats): void {
  console.log(`${label}: ${describeLoad(s)}; not checked because: ${JSON.stringify(s.notCheckedReasons)}; gave up: ${JSON.stringify(s.gaveUp)}`);
}

describe('nodes that answer, but not properly', () => {
  it('a node that answers 500 to everything: live/node-error (not "No problems found"), exit 1', async () => {
    const res = await runLive({ nodes: [redA.url, bBroken.url], ...login });
    expect(ids(res)).toEqual(['live/node-error']);
    const f = res.report!.findings[0]!;
    expect(f.location.file).toBe(bBroken.url);
    expect(f.message).toBe(`${bBroken.url} answered 500 to GET / (a server error, not a lost session): it does not serve the page that starts a session, so the switch checks with this node did not run.`);
    expect(res.report!.summary.byCategory.sessions).toBe('fail');
    expect(res.exitCode).toBe(1);
  });

  it("node B's 500 on the auth page is live/node-error, not live/session-lost-on-switch (switch and load mode)", async () => {
    const one = await runLive({ nodes: [redA.url, b500me.url], ...login });
    expect(ids(one)).toEqual(['live/node-error']);
    expect(one.report!.findings[0]!.message).toMatch(/\/me on .* answered 500: a server error, not a lost session/);
    expect(one.exitCode).toBe(1);

    const res = await runLive({ nodes: [redA.url, b500me.url], ...login, sessions: 40, concurrency: 5, timeoutMs: 20_000 });
    const s = loadOf(res);
    printLoad('node B answers 500 on /me', s);
    expect(s.lost).toBe(0);
    expect(s.judged).toBe(20); // the sessions made on B are verified on A's /me
    expect(s.survived).toBe(20);
    expect(s.errors).toBe(20);
    expect(s.perNode[b500me.url]!.serverErrors).toBeGreaterThanOrEqual(20);
    // the load-mode counts complete the switch check's finding about the same node
    expect(ids(res)).toEqual(['live/check-incomplete', 'live/node-error']);
    const nodeError = res.report!.findings.find((f) => f.ruleId === 'live/node-error')!;
    expect(nodeError.location.file).toBe(b500me.url);
    expect(nodeError.message).toMatch(/a server error, not a lost session\. .* Load mode: .* answered \d+ requests with a server error \(\d+ x 500\)/);
    const incomplete = res.report!.findings.find((f) => f.ruleId === 'live/check-incomplete')!;
    expect(incomplete.message).toMatch(/^Load mode: 20 of 40 sessions could not be checked \(20 errored\); 20 were checked \(20 survived, 0 lost\)\..*HTTP 500/);
    expect(res.exitCode).toBe(1);
  });

  it('a redirect loop on / is live/node-error naming the loop', async () => {
    const res = await runLive({ nodes: [redA.url, bLoop.url] });
    expect(ids(res)).toEqual(['live/node-error']);
    expect(res.report!.findings[0]!.message).toBe(`node ${bLoop.url} redirected GET / more than 5 times (a redirect loop); the switch checks with this node did not run.`);
    expect(res.exitCode).toBe(1);
    expect((await proxyStats(bLoop)).byPath['/']).toBeLessThanOrEqual(6 + 1); // bounded: the first request plus 5 redirects
  });

  it('a redirect to another origin is not followed: live/node-error, and that origin gets no request', async () => {
    const before = canaryHits;
    const res = await runLive({ nodes: [redA.url, bForeign.url], ...login });
    expect(ids(res)).toEqual(['live/node-error']);
    expect(res.report!.findings[0]!.message).toBe(`node ${bForeign.url}'s redirect from GET / pointed statelint to ${canaryUrl}, which is not a node named with --node: the request was not sent; the switch checks with this node did not run.`);
    expect(res.exitCode).toBe(1);
    expect(canaryHits).toBe(before);
  });

  it('--path, --login-path, --auth-path and --logout-path as URLs or //host: exit 2 with one sentence, nothing sent anywhere', async () => {
    const before = canaryHits;
    const hostPort = canaryUrl.replace('http://', '');
    const bad = [`${canaryUrl}/login`, `//${hostPort}/login`, `/\\${hostPort}/login`, 'login', `javascript:alert(1)`];
    for (const flag of ['path', 'loginPath', 'authPath', 'logoutPath'] as const) {
      for (const value of bad) {
        const res = await runLive({ nodes: [redA.url, redB.url], loginPath: '/login', authPath: '/me', [flag]: value });
        expect(res.exitCode).toBe(2);
        expect(res.report).toBeNull();
        expect(res.error).toMatch(/^--(path|login-path|auth-path|logout-path) takes a path on the nodes named with --node, such as \/login; ".*" is not one \((it is a full URL|it names another host|it must start with \/)\)$/);
      }
    }
    const { out, err, code } = await cli(['--node', redA.url, '--node', redB.url, '--login-path', `${canaryUrl}/login`, '--login-field', 'email=a@b.c', '--auth-path', '/me']);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`statelint: --login-path takes a path on the nodes named with --node, such as /login; "${canaryUrl}/login" is not one (it is a full URL)\n`);
    expect(canaryHits).toBe(before);
  });

  it('a 100 MB body: at most 1 MiB is read per response and the report says so; load mode at concurrency 20 stays bounded', async () => {
    const rss0 = process.memoryUsage().rss;
    const res = await runLive({ nodes: [redA.url, bHuge.url], sessions: 40, concurrency: 20, timeoutMs: 20_000 });
    const rss1 = process.memoryUsage().rss;
    const s = loadOf(res);
    printLoad('node B sends 100 MB bodies', s);
    const sent = (await proxyStats(bHuge)).bytesWritten;
    const responses = (await proxyStats(bHuge)).byPath['/'] ?? 0;
    console.log(`huge bodies: ${responses} responses, ${(sent / 1048576).toFixed(1)} MiB written by the node (100 MiB each if read to the end), rss ${(rss0 / 1048576).toFixed(0)} -> ${(rss1 / 1048576).toFixed(0)} MiB`);
    expect(res.report!.errors.map((e) => e.message)).toContain(`the body of GET / was longer than ${MAX_BODY_BYTES} bytes: statelint read the first ${MAX_BODY_BYTES} bytes and dropped the connection`);
    expect(s.perNode[bHuge.url]!.truncatedBodies).toBeGreaterThan(0);
    expect(res.report!.errors.map((e) => e.message)).toContain(`load mode: ${s.perNode[bHuge.url]!.truncatedBodies} response bodies were longer than ${MAX_BODY_BYTES} bytes; statelint read the first ${MAX_BODY_BYTES} bytes of each and dropped the connection`);
    expect(s.survived).toBe(40); // the body is cut, the session is still compared
    expect(res.exitCode).toBe(0);
    expect(sent).toBeLessThan(responses * 10 * 1048576); // each response abandoned long before 100 MiB
  });

  it('a gzip bomb (1 MB inflating to 64 MB) is cut at 1 MiB after decompression', async () => {
    const res = await runLive({ nodes: [redA.url, bBomb.url] });
    expect(res.report!.errors.map((e) => e.message)).toContain(`the body of GET / was longer than ${MAX_BODY_BYTES} bytes: statelint read the first ${MAX_BODY_BYTES} bytes and dropped the connection`);
    expect(res.report!.findings).toEqual([]);
    expect(res.exitCode).toBe(0);
  });

  it('a login page of 1 MB of half-open _token/csrf-token tags: the token search stays linear, the run ends with the login check undecided', async () => {
    // The former patterns backtracked quadratically: 280 KB of this took 8-15 s of CPU, 1 MB minutes.
    const res = await runLive({ nodes: [aCsrfBomb.url, redB.url], loginPath: '/login', loginFields: { email: 'qa@example.com', password: 'x' }, authPath: '/me' });
    const incomplete = res.report!.findings.filter((f) => f.ruleId === 'live/check-incomplete');
    expect(incomplete.map((f) => f.message)).toEqual([expect.stringMatching(/^After logging in through \/login on .*, \/me answered 401 on the same node: the login did not work/)]);
    expect(res.exitCode).toBe(1);
  });

  it('garbage Set-Cookie headers are skipped as a browser would: the verdict stays right and none of them is printed', async () => {
    const res = await runLive({ nodes: [redA.url, bGarbage.url], ...login });
    expect(res.report!.findings).toEqual([]);
    expect(res.exitCode).toBe(0);
    const pair = (res.report!.project.live as { switch: Record<string, { sessionKept: boolean; login: Record<string, string> }> }).switch[`${redA.url} -> ${bGarbage.url}`]!;
    expect(pair.sessionKept).toBe(true);
    expect(pair.login.oldCookieOnBAfterLogout).toBe('401');
    const { out, code } = await cli(['--node', redA.url, '--node', bGarbage.url, '--format', 'json']);
    expect(code).toBe(0);
    expect(out).not.toContain('AAAAAAAAAA');
  });
});

describe('kept-alive connections', () => {
  it('a node that drops each kept-alive connection as it is reused (the keep-alive race): statelint resends once on a new connection, 0 errors', async () => {
    const res = await runLive({ nodes: [redA.url, bDrop.url], ...login, sessions: 40, concurrency: 5, timeoutMs: 20_000 });
    const s = loadOf(res);
    printLoad('node B drops reused connections', s);
    expect(s.errors).toBe(0);
    expect(s.survived).toBe(40);
    expect(s.logout).toEqual({ checked: 40, stale: 0, notChecked: 0 });
    expect(res.report!.findings).toEqual([]);
    expect(res.exitCode).toBe(0);
  });
});

describe('slow nodes (answer after --timeout)', () => {
  it('the auth page answers after the timeout: the switch check stops with live/check-incomplete naming it, the report still comes out (exit 1)', async () => {
    const res = await runLive({ nodes: [redA.url, bSlowMe.url], ...login, timeoutMs: 2000 });
    expect(ids(res)).toEqual(['live/check-incomplete']);
    expect(res.report!.findings[0]!.message).toBe(`The switch check ${redA.url} -> ${bSlowMe.url} stopped: node ${bSlowMe.url} did not answer (no answer within 2000 ms). Whether sessions survive this switch was not decided.`);
    expect(res.exitCode).toBe(1);
  });

  it('the start page answers after the timeout: exit 2 naming the node', async () => {
    const res = await runLive({ nodes: [redA.url, bSlowStart.url], timeoutMs: 2000 });
    expect(res.exitCode).toBe(2);
    expect(res.error).toBe(`node ${bSlowStart.url} did not answer (no answer within 2000 ms)`);
  });
});

describe('load mode while components fail', () => {
  it('node B killed mid-run (SIGKILL): the errored sessions are counted and the run is not clean (exit 1), no probe key left', async () => {
    const store = await servers.redis();
    const shared = { STORE: 'redis', REDIS_URL: store.url };
    const [a, b] = await Promise.all([servers.expressNode({ NODE_NAME: 'A', ...shared }), servers.expressNode({ NODE_NAME: 'B', ...shared })]);
    const run = runLive({ nodes: [a.url, b.url], redis: store.url, ...loginOnly, sessions: 400, concurrency: 10, timeoutMs: 2000 });
    const seen = await untilKeys(store.url, 60);
    process.kill(b.pid, 'SIGKILL');
    const res = await run;
    const s = loadOf(res);
    printLoad(`node B killed after ${seen} sessions`, s);
    expect(s.errors).toBeGreaterThan(0);
    expect(s.judged).toBeLessThan(400);
    expect(s.judged + s.errors + s.unknown + s.notRun).toBe(400);
    expect(s.lost).toBe(0); // a refused connection is not a lost session
    const incomplete = res.report!.findings.filter((f) => f.ruleId === 'live/check-incomplete');
    expect(incomplete.length).toBe(1);
    expect(incomplete[0]!.location.file).toBe(b.url);
    expect(incomplete[0]!.message).toMatch(new RegExp(`^Load mode: \\d+ of 400 sessions could not be checked \\(\\d+ errored.*Reasons: .*${b.url.replace(/[.:/]/g, '\\$&')}: \\d+ x (ECONNREFUSED|ECONNRESET)`));
    expect(describeLoad(s)).toMatch(new RegExp(`^400 sessions, concurrency 10: ${s.judged}/400 checked, ${s.survived}/${s.judged} survived \\(100\\.0 %\\), ${s.errors} errored`));
    expect(res.exitCode).toBe(1);
    expect(await probeKeys(store.url)).toEqual([]);
  }, 60_000);

  it('a node frozen mid-run (SIGSTOP): requests time out, load mode stops sending to it after 3 x --timeout and counts the rest as not run (exit 1)', async () => {
    // --timeout 1000: long enough that the healthy node is not given up on a busy machine.
    const store = await servers.redis();
    const shared = { STORE: 'redis', REDIS_URL: store.url };
    const [a, b] = await Promise.all([servers.expressNode({ NODE_NAME: 'A', ...shared }), servers.expressNode({ NODE_NAME: 'B', ...shared })]);
    const run = runLive({ nodes: [a.url, b.url], ...loginOnly, sessions: 2000, concurrency: 10, timeoutMs: 1000 });
    await untilKeys(store.url, 60);
    process.kill(b.pid, 'SIGSTOP');
    try {
      const res = await run;
      const s = loadOf(res);
      printLoad('node B frozen (SIGSTOP), --timeout 1000', s);
      expect(Object.keys(s.gaveUp)).toContain(b.url);
      expect(s.giveUpAfterMs).toBe(3000);
      expect(s.notRun).toBeGreaterThan(0);
      expect(s.errors).toBeGreaterThan(0);
      expect(s.judged + s.errors + s.unknown + s.notRun).toBe(2000);
      const incomplete = res.report!.findings.find((f) => f.ruleId === 'live/check-incomplete')!;
      expect(incomplete.message).toMatch(new RegExp(`not run\\).*Load mode stopped sending to ${b.url.replace(/[.:/]/g, '\\$&')} \\(no usable answer for \\d+ ms \\(last: no answer within 1000 ms\\)\\)`));
      expect(res.exitCode).toBe(1);
    } finally {
      process.kill(b.pid, 'SIGCONT');
    }
  }, 60_000);

  it('Redis stopped mid-run: the sessions that hung are errors, not survivals (exit 1); restarted, it holds no probe key', async () => {
    const store = await servers.redis(['--save', '3600 1']);
    const shared = { STORE: 'redis', REDIS_URL: store.url };
    const [a, b] = await Promise.all([servers.expressNode({ NODE_NAME: 'A', ...shared }), servers.expressNode({ NODE_NAME: 'B', ...shared })]);
    const run = runLive({ nodes: [a.url, b.url], redis: store.url, ...loginOnly, sessions: 300, concurrency: 10, timeoutMs: 1000 });
    const seen = await untilKeys(store.url, 60);
    await store.stop(); // SIGTERM: redis saves its RDB and exits
    const res = await run;
    const s = loadOf(res);
    printLoad(`Redis stopped after ${seen} sessions`, s);
    expect(s.errors).toBeGreaterThan(0);
    expect(s.judged + s.errors + s.unknown + s.notRun).toBe(300);
    expect(res.report!.findings.map((f) => f.ruleId)).toContain('live/check-incomplete');
    expect(res.exitCode).toBe(1);
    const again = await servers.redis(['--save', '3600 1'], undefined, { port: store.port, dir: store.dir });
    expect(await probeKeys(again.url)).toEqual([]);
    const r = new Redis(again.url);
    expect(await r.dbsize()).toBeGreaterThanOrEqual(seen); // the sessions made before the stop came back from the RDB
    r.disconnect();
  }, 60_000);
});

describe('stores that stop answering', () => {
  it('a Redis that accepts connections but never answers (SIGSTOP): exit 2 at the --timeout deadline, not after ioredis retries', async () => {
    const frozen = await servers.redis();
    process.kill(frozen.pid, 'SIGSTOP');
    try {
      const t0 = Date.now();
      const res = await runLive({ nodes: [], redis: frozen.url, timeoutMs: 1000 });
      console.log(`frozen Redis, --timeout 1000: exit ${res.exitCode} after ${Date.now() - t0} ms`);
      expect(res.exitCode).toBe(2);
      // ioredis alone said "Command timed out" after its ready check, CLIENT SETNAME and retries
      expect(res.error).toBe(`redis ${frozen.url} did not answer (no answer within 1000 ms)`);
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
    }
  });

  it('a password sent to a Redis without one: no ioredis [WARN] line on stderr, a note in the report instead', () => {
    const pw = 'not-needed-secret-1234';
    const r = spawnSync(process.execPath, [path.join(REPO, 'bin/statelint.js'), 'live', '--redis', redis.url, '--redis-password', pw, '--format', 'json'], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.errors.map((e: { message: string }) => e.message)).toContain("Redis client notice: This Redis server's `default` user does not require a password, but a password was supplied");
    expect(r.stdout).not.toContain(pw);
  });
});
