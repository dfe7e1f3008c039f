#!/usr/bin/env node
// npm run demo:live — starts a local two-node Express cluster with a deliberate flaw (each node keeps
// sessions in its own MemoryStore) on 127.0.0.1, runs `statelint live` against it, prints the report,
// and stops every process it started by PID (also on Ctrl-C). When redis-server is installed it then
// shows the fix: the same two nodes on one shared Redis (connect-redis) pass.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const children = [];
const dirs = [];

function stopAll() {
  for (const c of children.splice(0)) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
/** Stops every child by PID and waits for it (SIGKILL after 3 s). */
async function stopAndWait() {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = running.map((c) => new Promise((r) => c.once('exit', r)));
  const killer = setTimeout(() => running.forEach((c) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL')), 3000);
  stopAll();
  await Promise.all(exited);
  clearTimeout(killer);
}
process.on('SIGINT', () => {
  stopAll();
  process.exit(130);
});
process.on('SIGTERM', () => {
  stopAll();
  process.exit(143);
});
process.on('exit', stopAll);

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function waitUntil(check, what, ms = 10_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start within ${ms} ms`);
}

async function expressNode(name, env) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(repo, 'fixtures/live/express-node.mjs')], { env: { ...process.env, ...env, NODE_NAME: name, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => {
    try {
      return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) })).ok;
    } catch {
      return false;
    }
  }, `node ${name} on ${port}`);
  console.error(`started node ${name}: ${url} (pid ${child.pid})`);
  return url;
}

async function redisServer() {
  if (spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status !== 0) return null;
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'statelint-demo-'));
  dirs.push(dir);
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  children.push(child);
  await waitUntil(async () => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 }).stdout?.trim() === 'PONG', `redis on ${port}`);
  console.error(`started redis: redis://127.0.0.1:${port} (pid ${child.pid})`);
  return `redis://127.0.0.1:${port}`;
}

/** Runs the real binary (async, so Ctrl-C reaches our handler and everything is stopped by PID). */
function statelint(args) {
  console.error(`\n$ statelint ${args.join(' ')}\n`);
  const child = spawn(process.execPath, [path.join(repo, 'bin/statelint.js'), ...args], { stdio: 'inherit' });
  children.push(child);
  const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      console.error(`\n(exit code ${code})`);
      resolve(code);
    }),
  );
}

const flow = ['--login-path', '/login', '--auth-path', '/me', '--logout-path', '/logout'];

console.error('statelint live demo 1/2: two Express nodes, each with its own in-memory session store (the flaw)');
const a = await expressNode('A', {});
const b = await expressNode('B', {});
await statelint(['live', '--node', a, '--node', b, ...flow, '--sessions', '200', '--concurrency', '20']);
await stopAndWait();

const redis = await redisServer();
if (!redis) {
  console.error('\nredis-server is not installed: skipping demo 2/2 (the fix). apt-get install redis-server to see it.');
} else {
  console.error('\nstatelint live demo 2/2: the same two nodes on one shared Redis (connect-redis), store probed too');
  const ra = await expressNode('A', { STORE: 'redis', REDIS_URL: redis });
  const rb = await expressNode('B', { STORE: 'redis', REDIS_URL: redis });
  await statelint(['live', '--node', ra, '--node', rb, ...flow, '--redis', redis, '--sessions', '1000', '--concurrency', '50']);
}
await stopAndWait();
