import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Imports go one way (docs/ARCHITECTURE.md, "Layers"): a module may import its own layer or a lower
 * one, never a higher one. Adding a layer means adding it here and in the document.
 */
const ROOT = path.resolve(__dirname, '../..');
const LAYERS: [prefix: string, rank: number][] = [
  ['src/lang/', 0],
  ['src/engine/', 1],
  ['src/project/', 2],
  ['src/ecosystems/', 3],
  ['rules/', 3],
  ['src/report/', 4],
  ['src/live/', 5],
  ['src/api/', 6],
  ['src/commands/', 7],
  ['src/cli.ts', 8],
];
/** Layers that must not know any framework: they talk to ecosystems only through their interface. */
const FRAMEWORK_FREE = ['src/lang/adapter.ts', 'src/engine/', 'src/report/', 'src/api/', 'src/project/fs.ts', 'src/project/discover.ts', 'src/commands/audit.ts', 'src/commands/output.ts', 'src/commands/rules.ts'];

const rankOf = (file: string) => LAYERS.find(([prefix]) => file.startsWith(prefix))?.[1];

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

const FILES = [...sources('src'), ...sources('rules')];

function importsOf(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2];
    out.push(path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

describe('layers', () => {
  it('every source file belongs to a layer', () => {
    expect(FILES.filter((f) => rankOf(f) === undefined)).toEqual([]);
  });

  it('no import goes up a layer', () => {
    const violations: string[] = [];
    for (const file of FILES) {
      for (const target of importsOf(file)) {
        const from = rankOf(file)!;
        const to = rankOf(target);
        if (to !== undefined && to > from) violations.push(`${file} -> ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the engine, api, formatters and generic commands name no framework', () => {
    const named = FILES.filter((f) => FRAMEWORK_FREE.some((p) => f.startsWith(p))).filter((f) => /\blaravel\b|\bexpress\b|\bnestjs\b/i.test(readFileSync(path.join(ROOT, f), 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')));
    expect(named).toEqual([]);
  });

  it('nothing under src/ reads the project with node:fs except the project file system', () => {
    // user-files: the target folder and baselines the user names; rules/version: statelint's own install folder;
    // ts-adapter: the compiler file of statelint's own dependencies and its V8 code cache (a per-user cache folder).
    const allowed = new Set(['src/project/fs.ts', 'src/project/fix-files.ts', 'src/project/read-source.ts', 'src/ecosystems/rules.ts', 'src/api/version.ts', 'src/api/user-files.ts', 'src/project/cache-file.ts', 'src/lang/ts-adapter.ts']);
    const direct = FILES.filter((f) => (f.startsWith('src/') || f.startsWith('rules/')) && !f.startsWith('src/live/') && !f.startsWith('src/commands/') && !allowed.has(f))
      .filter((f) => /from 'node:fs'/.test(readFileSync(path.join(ROOT, f), 'utf8')));
    expect(direct).toEqual([]);
  });
});
