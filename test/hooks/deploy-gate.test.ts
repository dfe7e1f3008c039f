import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSystemPackages, Servers, type Running } from '../live/servers.js';
import { BIN, ROOT } from './support.js';

/**
 * examples/pre-deploy.sh against the live tests' two-node Express fixture (fixtures/live/express-node.mjs)
 * on 127.0.0.1: a MemoryStore pair (each process its own sessions) and a connect-redis pair on one
 * real redis-server.
 */
const servers = new Servers();
let memA: Running, memB: Running, redA: Running, redB: Running;

beforeAll(async () => {
  ensureSystemPackages();
  const redis = await servers.redis();
  const shared = { STORE: 'redis', REDIS_URL: redis.url };
  // one at a time: four Node processes starting at once on a busy CI machine can miss the 10 s start limit
  memA = await servers.expressNode({ NODE_NAME: 'A' });
  memB = await servers.expressNode({ NODE_NAME: 'B' });
  redA = await servers.expressNode({ NODE_NAME: 'A', ...shared });
  redB = await servers.expressNode({ NODE_NAME: 'B', ...shared });
}, 120_000);
afterAll(() => servers.stopAll());

const SCRIPT = path.join(ROOT, 'examples/pre-deploy.sh');
const STATELESS = path.join(ROOT, 'fixtures/projects/stateless');
const STATEFUL = path.join(ROOT, 'fixtures/projects/demo-app');

function gate(project: string, env: Record<string, string>) {
  const r = spawnSync('sh', [SCRIPT, project], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH, HOME: process.env.HOME, STATELINT: BIN, ...env } });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const login = '--login-path /login --auth-path /me --logout-path /logout';

describe('examples/pre-deploy.sh', () => {
  it('MemoryStore on two nodes: the live check fails the gate (exit 1) although the audit passes', () => {
    const r = gate(STATELESS, { STAGING_NODES: `${memA.url} ${memB.url}`, STATELINT_LIVE_ARGS: login });
    expect(r.err).toMatch(/pre-deploy: FAILED \(audit exit 0, live exit 1\): deploy stopped/);
    expect(r.out).toMatch(/live\/session-lost-on-switch/);
    expect(r.code).toBe(1);
  });

  it('connect-redis on one shared Redis: the live part passes, and with a clean audit the gate passes (exit 0)', () => {
    const r = gate(STATELESS, { STAGING_NODES: `${redA.url},${redB.url}`, STATELINT_LIVE_ARGS: login });
    expect(r.err).toMatch(/pre-deploy: passed \(audit and live\)/);
    expect(r.code).toBe(0);
  });

  it('a stateful app fails the gate on the audit even when the nodes pass, and the live check still runs', () => {
    const r = gate(STATEFUL, { STAGING_NODES: `${redA.url} ${redB.url}` });
    expect(r.out).toMatch(/laravel\/session-store-local/);
    expect(r.err).toMatch(/pre-deploy: statelint live --node /);
    expect(r.err).toMatch(/pre-deploy: FAILED \(audit exit 1, live exit 0\)/);
    expect(r.code).toBe(1);
  });

  it('one node, or a node that does not answer: exit 2, the deploy does not go ahead', () => {
    const one = gate(STATELESS, { STAGING_NODES: redA.url });
    expect(one.err).toMatch(/STAGING_NODES must name at least two staging nodes/);
    expect(one.code).toBe(2);
    const down = gate(STATELESS, { STAGING_NODES: `${redA.url} http://127.0.0.1:9`, STATELINT_LIVE_ARGS: '--timeout 1000' });
    expect(down.err).toMatch(/pre-deploy: FAILED \(audit exit 0, live exit 2\)/);
    expect(down.code).toBe(2);
  });
});
