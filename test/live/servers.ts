import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ensureDebianPackages, hasCommand } from '../support/debian.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Installs the Debian packages the live tests need when they are missing (CI: fresh Debian 12, root). */
export function ensureSystemPackages(): void {
  ensureDebianPackages([
    { pkg: 'redis-server', present: () => hasCommand('redis-server') },
    { pkg: 'php-cli', present: () => hasCommand('php') },
    { pkg: 'php-laravel-framework', present: () => existsSync('/usr/share/php/Illuminate/autoload.php') },
    { pkg: 'php-redis', present: () => hasCommand('php') && spawnSync('php', ['-r', 'exit(extension_loaded("redis") ? 0 : 1);']).status === 0 },
  ]);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A throwaway self-signed certificate for 127.0.0.1 (it is its own CA): PEM file paths and the PEM text. */
export interface TestCert {
  cert: string;
  key: string;
  pem: string;
}

export interface Running {
  pid: number;
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Every process the harness started, to stop by PID in afterAll. */
export class Servers {
  readonly procs: ChildProcess[] = [];
  private readonly dirs: string[] = [];

  private track(child: ChildProcess): ChildProcess {
    this.procs.push(child);
    child.stdout?.resume();
    child.stderr?.resume();
    return child;
  }

  tmpDir(): string {
    const d = mkdtempSync(path.join(os.tmpdir(), 'statelint-live-'));
    this.dirs.push(d);
    return d;
  }

  /** `openssl req -x509` in a temp dir: CN and subjectAltName 127.0.0.1, valid one day. */
  certificate(): TestCert {
    const dir = this.tmpDir();
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
    return { cert, key, pem: readFileSync(cert, 'utf8') };
  }

  /** redis-server with TLS only (`--port 0 --tls-port P`), clients not asked for certificates. */
  async redisTls(tls: TestCert, extra: string[] = []): Promise<Running> {
    const port = await freePort();
    const dir = this.tmpDir();
    const child = this.track(
      spawn('redis-server', ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert, '--tls-key-file', tls.key, '--tls-ca-cert-file', tls.cert, '--tls-auth-clients', 'no', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    await waitFor(async () => spawnSync('redis-cli', ['--tls', '--cacert', tls.cert, '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 }).stdout?.trim() === 'PONG', `redis (tls) on ${port}`, child);
    return this.running(child, port, `rediss://127.0.0.1:${port}`);
  }

  /**
   * redis-server on a free port; `password`: the requirepass in `extra`, for the readiness ping; `at`: a
   * given port and data directory (to start a stopped Redis again with what it saved).
   */
  async redis(extra: string[] = [], password?: string, at?: { port: number; dir: string }): Promise<Running & { dir: string }> {
    const port = at?.port ?? (await freePort());
    const dir = at?.dir ?? this.tmpDir();
    const child = this.track(
      spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    await waitFor(async () => {
      const r = spawnSync('redis-cli', [...(password ? ['--no-auth-warning', '-a', password] : []), '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 });
      return r.stdout.trim() === 'PONG';
    }, `redis on ${port}`, child);
    return { ...this.running(child, port, `redis://127.0.0.1:${port}`), dir };
  }

  /**
   * Sentinel set: 1 master, 1 replica, 3 sentinels (`redis-server file.conf --sentinel`), quorum 2.
   * With `auth`: the data nodes have requirepass + masterauth `auth.redis`, the sentinels requirepass
   * `auth.sentinel` (and `sentinel auth-pass` for the master).
   */
  async sentinelSet(name = 'mymaster', auth?: { redis: string; sentinel: string }): Promise<{ master: Running; replica: Running; sentinels: Running[]; name: string; startupMs: number }> {
    const t0 = Date.now();
    const dataAuth = auth ? ['--requirepass', auth.redis, '--masterauth', auth.redis] : [];
    const sAuth = auth ? ['--no-auth-warning', '-a', auth.sentinel] : [];
    const master = await this.redis(['--repl-diskless-sync-delay', '0', '--save', '3600 1', ...dataAuth], auth?.redis);
    const replica = await this.redis(['--replicaof', '127.0.0.1', String(master.port), '--save', '3600 1', ...dataAuth], auth?.redis);
    await waitRedis(master.port, (info) => /connected_slaves:1/.test(info) && /state=online/.test(info), 'replica link', 'replication', 10_000, auth?.redis);
    const sentinels: Running[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      const dir = this.tmpDir();
      const conf = path.join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${master.port} 2`, `sentinel down-after-milliseconds ${name} 1000`, `sentinel failover-timeout ${name} 5000`, ...(auth ? [`sentinel auth-pass ${name} ${auth.redis}`, `requirepass ${auth.sentinel}`] : []), ''].join('\n'),
      );
      const child = this.track(spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] }));
      await waitFor(async () => spawnSync('redis-cli', [...sAuth, '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 }).stdout?.trim() === 'PONG', `sentinel on ${port}`, child);
      sentinels.push(this.running(child, port, `127.0.0.1:${port}`));
    }
    // every sentinel sees the replica and the two other sentinels
    for (const s of sentinels) {
      await waitFor(async () => {
        const r = spawnSync('redis-cli', [...sAuth, '-p', String(s.port), 'sentinel', 'master', name], { encoding: 'utf8', timeout: 2000 }).stdout ?? '';
        const lines = r.split('\n').map((l) => l.trim());
        const get = (k: string) => lines[lines.indexOf(k) + 1];
        return get('num-slaves') === '1' && get('num-other-sentinels') === '2';
      }, `sentinel ${s.port} discovery`, (this.procs.find((p) => p.pid === s.pid) as ChildProcess), 15_000);
    }
    return { master, replica, sentinels, name, startupMs: Date.now() - t0 };
  }

  /** Redis Cluster of `masters` masters, no replicas (`redis-cli --cluster create ... --cluster-yes`); with `password`, requirepass + masterauth. */
  async redisCluster(masters = 3, password?: string): Promise<{ nodes: Running[]; startupMs: number }> {
    const auth = password ? ['--requirepass', password, '--masterauth', password] : [];
    const cliAuth = password ? ['--no-auth-warning', '-a', password] : [];
    const t0 = Date.now();
    const nodes: Running[] = [];
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      // The cluster bus gets a free port of its own: the default, port + 10000, may be taken or past 65535.
      const busPort = await freePort();
      const dir = this.tmpDir();
      const child = this.track(
        spawn('redis-server', ['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, 'nodes.conf'), '--cluster-node-timeout', '5000', '--save', '3600 1', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...auth], { stdio: ['ignore', 'pipe', 'pipe'] }),
      );
      await waitFor(async () => spawnSync('redis-cli', [...cliAuth, '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 }).stdout?.trim() === 'PONG', `cluster node ${port}`, child);
      nodes.push(this.running(child, port, `redis://127.0.0.1:${port}`));
    }
    const r = spawnSync('redis-cli', [...cliAuth, '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status !== 0) throw new Error(`redis-cli --cluster create failed: ${r.stdout}${r.stderr}`);
    for (const n of nodes) await waitRedis(n.port, (info) => /cluster_state:ok/.test(info), 'cluster_state:ok', 'cluster', 15_000, password);
    return { nodes, startupMs: Date.now() - t0 };
  }

  /** An Express node; with `tls`, over HTTPS with that certificate (TLS_CERT/TLS_KEY). */
  /** An Express node: fixtures/live/express-node.mjs, or another app script of the repository (`script`). */
  async expressNode(env: Record<string, string>, tls?: TestCert, script = 'fixtures/live/express-node.mjs'): Promise<Running> {
    const port = await freePort();
    const tlsEnv = tls ? { TLS_CERT: tls.cert, TLS_KEY: tls.key } : {};
    const child = this.track(
      spawn(process.execPath, [path.join(REPO, script)], { env: { ...process.env, ...env, ...tlsEnv, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO }),
    );
    const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    await waitFor(async () => {
      try {
        if (tls) return (await httpsStatus(`${url}/health`, tls.pem)) === 200;
        return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(500) })).ok;
      } catch {
        return false;
      }
    }, `express node on ${port}`, child);
    return this.running(child, port, url);
  }

  /**
   * A hostile node: test/live/fault-proxy.mjs on a free port in front of `upstream` (a real fixture
   * node), injecting `fault` (see the script's header).
   */
  async faultProxy(upstream: Running, fault: string): Promise<Running> {
    const port = await freePort();
    const child = this.track(
      spawn(process.execPath, [path.join(REPO, 'test/live/fault-proxy.mjs')], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', UPSTREAM: upstream.url, FAULT: fault, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO }),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => {
      try {
        return (await fetch(`${url}/__stats`, { signal: AbortSignal.timeout(500) })).ok;
      } catch {
        return false;
      }
    }, `fault proxy (${fault}) on ${port}`, child);
    return this.running(child, port, url);
  }

  /** A private copy of fixtures/live/laravel-app (bootstrap/cache is written on the first request). */
  laravelApp(): string {
    const dir = path.join(this.tmpDir(), 'app');
    cpSync(path.join(REPO, 'fixtures/live/laravel-app'), dir, { recursive: true });
    return dir;
  }

  /** One Laravel node: `php -S` on a free port with its own storage directory (its own "disk"). */
  async laravelNode(appDir: string, env: Record<string, string>): Promise<Running> {
    const port = await freePort();
    const storage = this.tmpDir();
    for (const d of ['framework/sessions', 'framework/views', 'framework/cache/data', 'logs']) mkdirSync(path.join(storage, d), { recursive: true });
    const child = this.track(
      spawn('php', ['-S', `127.0.0.1:${port}`, '-t', 'public'], {
        cwd: appDir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', APP_STORAGE: storage, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => {
      try {
        return (await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) })).ok;
      } catch {
        return false;
      }
    }, `laravel node on ${port}`, child);
    return this.running(child, port, url);
  }

  running(child: ChildProcess, port: number, url: string): Running {
    return { pid: child.pid as number, port, url, stop: () => stopProcess(child) };
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.procs.map(stopProcess));
    this.procs.length = 0;
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** GET over https trusting only `ca` (the harness's own readiness probe). */
function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || !child.pid) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, 'SIGTERM');
  const t = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

/** Polls `redis-cli -p port INFO section` (or CLUSTER INFO) until `ok(info)`. */
export async function waitRedis(port: number, ok: (info: string) => boolean, what: string, section: string, ms = 10_000, password?: string): Promise<void> {
  const until = Date.now() + ms;
  const auth = password ? ['--no-auth-warning', '-a', password] : [];
  const args = section === 'cluster' ? [...auth, '-p', String(port), 'cluster', 'info'] : [...auth, '-p', String(port), 'info', section];
  while (Date.now() < until) {
    const r = spawnSync('redis-cli', args, { encoding: 'utf8', timeout: 2000 });
    if (ok(r.stdout ?? '')) return;
    await sleep(50);
  }
  throw new Error(`${what} on ${port} not reached within ${ms} ms`);
}

// 30 s: the test machine is shared, and a node that starts in 0.3 s alone can take over 10 s under load.
export async function waitFor(probe: () => Promise<boolean>, what: string, child: ChildProcess, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (await probe()) return;
    await sleep(50);
  }
  throw new Error(`${what} did not start within ${ms} ms`);
}


