import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN as BUILT_BIN } from '../support/cli.js';

/** STATELINT_TEST_BIN runs these tests against another build (e.g. the commit before the fixes, to see them fail). */
export const BIN = process.env.STATELINT_TEST_BIN ?? BUILT_BIN;

/** A scratch folder removed by the caller's afterAll; world-traversable so a child running as `nobody` can enter it. */
export function scratch(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `statelint-${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

export function removeScratch(dir: string): void {
  // chmod 000 folders left by a test must be opened again before they can be removed
  spawnSync('chmod', ['-R', 'u+rwx', dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** Writes files (relative path -> text or bytes) under `dir`, creating folders. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): string {
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
  return dir;
}

/** A Laravel 10 app with one env() finding in app code and a file session driver (an error). */
export function laravelApp(dir: string, extra: Record<string, string | Buffer> = {}): string {
  return writeTree(dir, {
    artisan: '<?php\n',
    'composer.json': '{"require":{"laravel/framework":"^10.0"}}\n',
    '.env': 'APP_NAME=demo\nSESSION_DRIVER=file\n',
    'config/session.php': "<?php\nreturn ['driver' => env('SESSION_DRIVER', 'redis')];\n",
    'app/Http/Feature.php': "<?php\n$flag = env('FEATURE_X');\n",
    ...extra,
  });
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set of the statelint process in KiB, when GNU time is available. */
  maxRssKiB?: number;
  timedOut: boolean;
}

const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
/** coreutils timeout kills the whole process group, so a hung statelint under /usr/bin/time does not outlive the test. */
export const TIMEOUT = existsSync('/usr/bin/timeout') ? '/usr/bin/timeout' : undefined;

/** Prefix for a command that must not outlive `ms` (with the children it starts). */
export function guarded(ms: number): string[] {
  return TIMEOUT ? [TIMEOUT, '-s', 'KILL', String(Math.ceil(ms / 1000))] : [];
}

/**
 * Runs the real binary with a hang guard (a generous timeout, never a timing assertion) and, when
 * GNU time is installed, measures its peak memory (`--max-old-space-size` cannot be passed to the
 * bin, and would not bound WASM memory anyway). `asNobody` drops to uid/gid 65534 when the tests
 * run as root: root reads chmod 000 files, so "unreadable" needs an unprivileged process.
 */
export function run(args: string[], opts: { cwd?: string; timeoutMs?: number; asNobody?: boolean; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  const guardMs = opts.timeoutMs ?? 120_000;
  const command = [...guarded(guardMs), ...(GNU_TIME ? [GNU_TIME, '-f', '@@maxrss=%M'] : []), BIN];
  const r = spawnSync(command[0], [...command.slice(1), ...args], {
    cwd: opts.cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: os.tmpdir(), ...opts.env },
    timeout: guardMs + 10_000, // backstop; `timeout` above stops the process group first
    killSignal: 'SIGKILL',
    maxBuffer: 512 * 1024 * 1024,
    input: opts.input,
    ...(opts.asNobody && canDropPrivileges() ? { uid: 65534, gid: 65534 } : {}),
  });
  let stderr = r.stderr ?? '';
  let maxRssKiB: number | undefined;
  const m = /@@maxrss=(\d+)\s*$/.exec(stderr);
  if (m) {
    maxRssKiB = Number(m[1]);
    stderr = stderr.slice(0, m.index);
  }
  // GNU time reports a non-zero exit of its child on stderr: "Command exited with non-zero status N".
  stderr = stderr.replace(/Command exited with non-zero status \d+\n?$/, '').replace(/Command terminated by signal \d+\n?$/, '');
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL' || (!!TIMEOUT && r.status === 137);
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr, maxRssKiB, timedOut };
}

export function canDropPrivileges(): boolean {
  return process.getuid?.() === 0;
}

/** The JSON report of a run that must have completed normally (exit 0 or 1, no internal error). */
export function report(r: Run): any {
  if (r.timedOut) throw new Error('statelint did not finish within the hang guard');
  if (r.code !== 0 && r.code !== 1) throw new Error(`statelint exited ${r.code ?? r.signal}: ${r.stderr.slice(0, 2000)}`);
  if (/internal error/.test(r.stderr)) throw new Error(`internal error: ${r.stderr.slice(0, 2000)}`);
  return JSON.parse(r.stdout);
}

export type Status = 'pass' | 'fail' | 'unknown';

export function checklist(rep: any): Record<string, Status> {
  return Object.fromEntries(rep.checklist.map((c: { category: string; status: Status }) => [c.category, c.status]));
}

export function findingFiles(rep: any): string[] {
  return rep.findings.map((f: { location: { file: string } }) => f.location.file);
}

/** Everything the report lists as not (fully) analysed, as "file: reason" lines. */
export function notAnalysed(rep: any): string[] {
  return [...rep.errors.map((e: { file: string; message: string }) => `${e.file}: ${e.message}`), ...rep.skipped.map((s: { file: string; reason: string }) => `${s.file}: ${s.reason}`)];
}
