import { createRequire } from 'node:module';
import type { Hash } from 'node:crypto';

/**
 * node:crypto, loaded on the first hash: it costs a one-shot run ~7 ms to load, and a pre-commit run whose files
 * give nothing to report hashes nothing (fingerprints, the --cache keys, git blob ids and fix temp names are all made on demand).
 */
let crypto: typeof import('node:crypto') | undefined;

function load(): typeof import('node:crypto') {
  crypto ??= createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return crypto;
}

export function createHash(algorithm: 'sha1' | 'sha256'): Hash {
  return load().createHash(algorithm);
}

export function randomBytes(size: number): Buffer {
  return load().randomBytes(size);
}

/** Whether a hash was made in this process (then hashing a small file is cheaper than two lstat calls). */
export function hashingLoaded(): boolean {
  return crypto !== undefined;
}
