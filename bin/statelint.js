#!/bin/sh
':' //; unset NODE_OPTIONS; case " $* " in *" live "*) ;; *) unset NODE_EXTRA_CA_CERTS ;; esac; exec node -- "$0" "$@"
// Process shell: everything else lives in src/cli.ts, which returns the exit code.
//
// The two lines above run under /bin/sh (to JavaScript they are a string and a comment). They keep
// the audited project out of Node's own option handling (docs/ARCHITECTURE.md, "Safety"):
// - `--` ends Node's options: Node 20 otherwise reads `--env-file FILE` anywhere on the command
//   line, so `statelint audit --env-file .env.production` would load the project's env file
//   (and any NODE_OPTIONS=--require ... in it) into statelint itself;
// - NODE_OPTIONS is dropped: npm passes a project's .npmrc `node-options` to `npx statelint`;
// - NODE_EXTRA_CA_CERTS is dropped unless `live` is on the command line: Node reads that file at start-up
//   (~40 ms on a CI image that sets it), and only live mode opens TLS connections.
import { createRequire } from 'node:module';

// Node's modules by require(): an ES import of a built-in first builds a module record of all its exports (~1-3 ms
// for node:fs); the bundle loads them the same way (scripts/bundle.mjs) and imports node:module anyway.
const require = createRequire(import.meta.url);
const { statSync } = require('node:fs');

// The bundled build (scripts/bundle.mjs) loads ~200 fewer modules; it is used only when it is at least
// as new as the per-file build, so a bare `tsc` after it never runs stale code.
const mtime = (rel) => {
  try {
    return statSync(new URL(rel, import.meta.url)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundle = mtime('../dist/bundle/cli.js');
let cli;
try {
  cli = bundle >= 0 && bundle >= mtime('../dist/src/cli.js') ? await import('../dist/bundle/cli.js') : await import('../dist/src/cli.js');
} catch (e) {
  // An install that skipped the build (e.g. npm --ignore-scripts from git) has no dist/: say so, exit 2.
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist')) throw e;
  const root = new URL('..', import.meta.url).pathname;
  process.stderr.write(`statelint: this install has not been built (no dist/ in ${root}); run \`npm run build\` there, or install from the npm tarball\n`);
  process.exit(2);
}
// One-shot: the PHP grammar is compiled on WebAssembly's baseline tier (src/lang/wasm-tier.ts).
cli.preferBaselineWasm();
process.exitCode = await cli.main(process.argv.slice(2));
