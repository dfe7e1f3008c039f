import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../support/cli.js';

/**
 * A Laravel-only audit must not load the TypeScript compiler (ts-morph bundles it; ~0.23 s, ~70 MB).
 * A child process runs the built api on a sample app and lists every CommonJS module it loaded
 * (ts-morph and its compiler are CommonJS, so an ESM import of them lands in the CJS module cache too).
 * The Node sample is the control: the same probe must see the compiler there.
 */
function loadedCompiler(app: string): string[] {
  const script = `
    import { createRequire } from 'node:module';
    const { audit } = await import(${JSON.stringify(path.join(ROOT, 'dist/src/api/index.js'))});
    await audit({ path: ${JSON.stringify(path.join(ROOT, 'fixtures/projects', app))} });
    const cache = createRequire(import.meta.url).cache;
    console.log(JSON.stringify(Object.keys(cache).filter((k) => /[\\\\/](?:ts-morph|@ts-morph|typescript)[\\\\/]/.test(k))));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

describe('lazy loading of the TypeScript compiler', () => {
  it('a Laravel-only audit does not load ts-morph or typescript', () => {
    expect(loadedCompiler('laravel-10')).toEqual([]);
  });

  it('a Node audit does (the probe works)', () => {
    expect(loadedCompiler('node-express-cjs').some((k) => /ts-morph/.test(k))).toBe(true);
  });

  it('through the real binary: `statelint <laravel app>` exits with no compiler module loaded, `statelint <node app>` with it', () => {
    // A --require hook records, at exit, every CommonJS module the process loaded (ESM imports of CommonJS land there too).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'statelint-lazy-'));
    try {
      const hook = path.join(dir, 'hook.cjs');
      writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_OUT, JSON.stringify(Object.keys(require.cache))));\n`);
      const loaded = (app: string) => {
        const out = path.join(dir, `${app}.json`);
        const r = spawnSync(process.execPath, ['--require', hook, BIN, path.join(ROOT, 'fixtures/projects', app), '--format', 'json', '--fail-on', 'never'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOADED_OUT: out } });
        expect(r.status).toBe(0);
        expect(JSON.parse(r.stdout).ecosystems).toEqual(app.startsWith('node-') ? ['node'] : ['laravel']);
        return (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((k) => /[\\/](?:ts-morph|@ts-morph|typescript)[\\/]/.test(k));
      };
      expect(loaded('laravel-with-frontend')).toEqual([]);
      expect(loaded('node-koa').length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
