import type { Ecosystem } from './types.js';
import { deploy } from './deploy/index.js';
import { laravel } from './laravel/index.js';
import { node } from './node/index.js';

/** Every ecosystem, in the order they are detected and reported. Adding one: docs/ARCHITECTURE.md. */
export const ECOSYSTEMS: readonly Ecosystem[] = [laravel, node, deploy];

export function findEcosystem(id: string): Ecosystem | undefined {
  return ECOSYSTEMS.find((e) => e.id === id);
}
