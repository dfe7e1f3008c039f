import { readFileSync } from 'node:fs';

/** The package version, read once from package.json (dist/src/api/, src/api/ or the bundled dist/bundle/). */
function readVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8'));
      if (pkg.name === 'statelint') return pkg.version;
    } catch {
      // try the next layout (source vs compiled)
    }
  }
  return '0.0.0';
}

export const TOOL_VERSION = readVersion();
