// npm `prepare`: compiles dist/ with tsc, then bundles it (scripts/bundle.mjs). npm runs it on `npm ci`/`npm install` in this folder, on
// `npm pack`/`npm publish`, and (twice: once in its dependency install, once when it packs the clone)
// when statelint is installed from a git URL or by the pre-commit framework. For installs a build that
// is newer than every source is kept, so none of those paths compiles twice; `npm pack` and
// `npm publish` always compile (there is no prepack script, so they compile exactly once).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(abs));
    else if (e.name.endsWith('.ts')) t = Math.max(t, statSync(abs).mtimeMs);
  }
  return t;
}

const marker = path.join(root, 'dist/src/cli.js');
const sources = Math.max(...['src', 'rules', 'scripts'].map((d) => newest(path.join(root, d))), statSync(path.join(root, 'tsconfig.json')).mtimeMs);
const packing = ['pack', 'publish'].includes(process.env.npm_command ?? '');
const bundle = path.join(root, 'dist/bundle/cli.js');
const runBundle = () => spawnSync(process.execPath, [path.join(root, 'scripts/bundle.mjs')], { stdio: 'inherit' }).status ?? 1;
if (!packing && existsSync(marker) && statSync(marker).mtimeMs > sources) {
  console.error('statelint prepare: dist/ is newer than the sources, not rebuilt');
  process.exit(existsSync(bundle) && statSync(bundle).mtimeMs >= statSync(marker).mtimeMs ? 0 : runBundle());
}

let tsc;
try {
  tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  console.error('statelint prepare: typescript is not installed, so dist/ cannot be built: run `npm install` (with devDependencies) in this folder first');
  process.exit(1);
}
console.error('statelint prepare: compiling dist/ (tsc)');
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
process.exit(r.status === 0 ? runBundle() : (r.status ?? 1));
