import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const hasCommand = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/**
 * apt-get installs the Debian packages a test needs when they are missing (CI: a fresh Debian 12, as root).
 * One lock file for every caller: dpkg allows one install at a time, so parallel test files wait for the
 * one that installs instead of failing on dpkg's own lock.
 */
export function ensureDebianPackages(wanted: { pkg: string; present: () => boolean }[]): void {
  const needed = wanted.filter((w) => !w.present()).map((w) => w.pkg);
  if (needed.length === 0) return;
  const lock = path.join(os.tmpdir(), 'statelint-apt.lock');
  let fd: number | null = null;
  const until = Date.now() + 600_000;
  while (fd === null) {
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // another test file is installing: wait for it, then install what is still missing
      if (Date.now() > until) throw new Error(`gave up waiting for ${lock}`);
      spawnSync('sleep', ['0.5']);
      if (!existsSync(lock) && wanted.every((w) => w.present())) return;
    }
  }
  try {
    const missing = wanted.filter((w) => !w.present()).map((w) => w.pkg);
    if (missing.length === 0) return;
    if (process.getuid?.() !== 0) throw new Error(`these tests need ${missing.join(', ')} (apt-get install needs root)`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, stdio: 'ignore' });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update'], { env, stdio: 'ignore' });
      r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { env, stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`);
    }
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}
