import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { live as runLive } from '../../src/api/index.js';
import type { LoadStats } from '../../src/live/load.js';
import { ensureSystemPackages, Servers, type Running } from './servers.js';

const servers = new Servers();
let redis: Running;
let redA: Running, redB: Running; // connect-redis on one shared Redis
let memA: Running, memB: Running; // MemoryStore per process
let cacheA: Running, cacheB: Running; // seed 004: per-node session cache, no invalidation
let pubA: Running, pubB: Running; // per-node cache invalidated through pub/sub

beforeAll(async () => {
  ensureSystemPackages();
  redis = await servers.redis();
  const shared = { STORE: 'redis', REDIS_URL: redis.url };
  [redA, redB, memA, memB, cacheA, cacheB, pubA, pubB] = await Promise.all([
    servers.expressNode({ NODE_NAME: 'A', ...shared }),
    servers.expressNode({ NODE_NAME: 'B', ...shared }),
    servers.expressNode({ NODE_NAME: 'A' }),
    servers.expressNode({ NODE_NAME: 'B' }),
    servers.expressNode({ NODE_NAME: 'A', ...shared, CACHE: 'local' }),
    servers.expressNode({ NODE_NAME: 'B', ...shared, CACHE: 'local' }),
    servers.expressNode({ NODE_NAME: 'A', ...shared, CACHE: 'pubsub' }),
    servers.expressNode({ NODE_NAME: 'B', ...shared, CACHE: 'pubsub' }),
  ]);
}, 120_000);

afterAll(() => servers.stopAll());

const login = { loginPath: '/login', authPath: '/me' };
const loadOf = (res: Awaited<ReturnType<typeof runLive>>) => (res.report!.project.live as { load: LoadStats }).load;

function print(label: string, s: LoadStats): void {
  const nodes = Object.entries(s.perNode)
    .map(([n, l]) => `  ${n}: ${l.requests} requests, p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms`)
    .join('\n');
  console.log(`${label}: ${s.sessions} sessions, concurrency ${s.concurrency}, survival ${s.survived}/${s.judged}, wall ${s.wallMs} ms, ${s.sessionsPerSecond} sessions/s, ${s.requestsPerSecond} req/s\n${nodes}`);
}

describe('load mode', () => {
  it('1,000 sessions across two Express nodes with connect-redis: 100 % survival (wall time is printed, not asserted)', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], sessions: 1000, concurrency: 50, ...login });
    const s = loadOf(res);
    print('connect-redis, login on one node, /me on the other', s);
    expect(res.report!.findings).toEqual([]);
    expect(res.exitCode).toBe(0);
    expect(s.survived).toBe(1000);
    expect(s.survivalRate).toBe(1);
    expect(s.errors).toBe(0);
    expect(Object.keys(s.perNode)).toEqual([redA.url, redB.url]);
    for (const l of Object.values(s.perNode)) expect(l.p50Ms).toBeLessThanOrEqual(l.p99Ms);
  });

  it('without a login it compares the session cookie identity (1,000 sessions, 100 %)', async () => {
    const res = await runLive({ nodes: [redA.url, redB.url], sessions: 1000, concurrency: 50 });
    const s = loadOf(res);
    print('connect-redis, cookie identity', s);
    expect(s.survived).toBe(1000);
    expect(res.exitCode).toBe(0);
  });

  it('MemoryStore: every loss is counted in one live/session-lost-on-switch finding', async () => {
    const res = await runLive({ nodes: [memA.url, memB.url], sessions: 200, concurrency: 20, ...login });
    const s = loadOf(res);
    print('MemoryStore', s);
    expect(s.lost).toBe(200);
    const lost = res.report!.findings.filter((f) => f.ruleId === 'live/session-lost-on-switch');
    expect(lost.length).toBe(1);
    expect(lost[0]!.message).toMatch(/Load mode: 200 of 200 sessions \(100\.0 %\)/);
    expect(res.exitCode).toBe(1);
  });

  it('seed 004: a per-node session cache without invalidation serves sessions after logout: live/logout-not-propagated', async () => {
    const res = await runLive({ nodes: [cacheA.url, cacheB.url], sessions: 200, concurrency: 20, ...login, logoutPath: '/logout' });
    const s = loadOf(res);
    print('per-node cache, no invalidation, with logout', s);
    expect(s.survived).toBe(200);
    expect(s.logout).toEqual({ checked: 200, stale: 200, notChecked: 0 });
    const stale = res.report!.findings.filter((f) => f.ruleId === 'live/logout-not-propagated');
    expect(stale.length).toBe(1);
    expect(stale[0]!.message).toMatch(/200 of 200 sessions were still served as authenticated/);
    expect(res.exitCode).toBe(1);
  });

  it('the same cache invalidated through Redis pub/sub: logout propagates', async () => {
    const res = await runLive({ nodes: [pubA.url, pubB.url], sessions: 200, concurrency: 20, ...login, logoutPath: '/logout' });
    const s = loadOf(res);
    print('per-node cache with pub/sub invalidation, with logout', s);
    expect(s.logout).toEqual({ checked: 200, stale: 0, notChecked: 0 });
    expect(res.report!.findings).toEqual([]);
  });
});
