import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(abs));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(abs).mtimeMs);
  }
  return newest;
}

/** Compiles and bundles the package once per test run (when sources changed) so tests can run the real binary. */
export default function setup(): void {
  const marker = path.join(ROOT, 'dist/src/cli.js');
  const sources = Math.max(...['src', 'rules', 'scripts'].map((d) => newestSource(path.join(ROOT, d))), statSync(path.join(ROOT, 'tsconfig.json')).mtimeMs);
  const bundle = path.join(ROOT, 'dist/bundle/cli.js');
  if (!existsSync(marker) || statSync(marker).mtimeMs <= sources) {
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
  }
  // The binary runs the bundle (what users run) when it is current; the tests must never run a stale one.
  if (!existsSync(bundle) || statSync(bundle).mtimeMs < statSync(marker).mtimeMs) execFileSync(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs')], { stdio: 'inherit' });
}
