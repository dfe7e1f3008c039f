import { createRequire } from 'node:module';

/**
 * A one-shot CLI run parses a few dozen files: compiling the 1 MB PHP grammar with WebAssembly's optimizing tier
 * costs more CPU than it saves, so such a run stays on the baseline compiler (V8's --liftoff-only). The CLI asks for
 * it (a library caller's process keeps its own flags); the flag is set just before the first WASM compile, so a run
 * that parses nothing never loads node:v8 (~4 ms of a pre-commit hook). Only on Node versions whose V8 is known to
 * have the flag: an unknown flag makes V8 print to stdout.
 */
let wanted = false;

export function preferBaselineWasm(): void {
  wanted = true;
}

/** Called before WebAssembly is compiled (src/lang/php.ts). */
export function applyWasmTier(): void {
  if (!wanted) return;
  wanted = false;
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 20 && major <= 24) (createRequire(import.meta.url)('node:v8') as typeof import('node:v8')).setFlagsFromString('--liftoff-only');
}
