import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { node } from '../../src/ecosystems/node/index.js';
import { serverPackages, takeDetected } from '../../src/ecosystems/node/packages.js';
import { loadNodeProject } from '../../src/ecosystems/node/project.js';
import { DiskFs } from '../../src/project/fs.js';

/** Detection and scope of Node server apps: which packages are servers, which files they run, which env files decide. */
const app = (name: string) => new DiskFs(path.resolve(__dirname, '../../fixtures/projects', name));

describe('Node detection and scope', () => {
  it('follows a folder loaded through a computed require, and leaves browser code, tests and scripts out', async () => {
    const p = await loadNodeProject(app('node-express-cjs'), {});
    expect(p.packages.map((x) => x.entries)).toEqual([['app.js']]);
    expect([...p.serverFiles].sort()).toEqual(['app.js', 'lib/db.js', 'lib/jobs.js', 'lib/logger.js', 'routes/products.js', 'routes/uploads.js']);
  });

  it('maps a built entry back to its source, resolves path aliases and uses the start script env file', async () => {
    const p = await loadNodeProject(app('node-express-esm-ts'), {});
    const [pkg] = p.packages;
    expect(pkg.entries).toEqual(['src/index.ts']);
    expect(pkg.envFiles).toEqual(['.env.production']);
    expect(pkg.files).toContain('src/config/logger.ts');
    expect(pkg.files).toContain('src/config/settings.ts');
  });

  it('audits only the server package of a monorepo, with the workspace packages it imports', async () => {
    const p = await loadNodeProject(app('node-monorepo'), {});
    expect(p.packages.map((x) => x.root)).toEqual(['apps/api']);
    expect(p.packages[0].files).toEqual(['apps/api/src/index.ts', 'packages/shared/src/index.ts', 'packages/shared/src/logins.ts']);
  });

  it('does not take a Laravel front-end package.json (vite, express only in devDependencies) for a server', () => {
    expect(serverPackages(app('laravel-with-frontend'))).toEqual([]);
  });

  it('a load after detection on the same file system takes what detection found, once, with the same result', async () => {
    const fresh = await loadNodeProject(app('node-monorepo'), {});
    const fs = app('node-monorepo');
    expect(node.detect(fs, {})?.evidence).toHaveLength(1);
    const afterDetect = await loadNodeProject(fs, {});
    expect(takeDetected(fs)).toBeUndefined(); // taken by the load: a later audit on this file system detects afresh
    const again = await loadNodeProject(fs, {});
    for (const p of [afterDetect, again]) {
      expect(p.packages).toEqual(fresh.packages);
      expect([...p.serverFiles]).toEqual([...fresh.serverFiles]);
    }
  });

  it('finds Nest entries through nest-cli.json', () => {
    expect(serverPackages(app('node-nest')).map((p) => p.entries)).toEqual([['src/main.ts']]);
  });

  it('follows global path constants, folder loaders, one-module-per-folder templates and build output mapped to source', async () => {
    const p = await loadNodeProject(new DiskFs(path.resolve(__dirname, '../../fixtures/node-scope/dynamic-loads')), {});
    expect(p.packages.map((x) => [x.root || '.', x.entries])).toEqual([
      ['.', ['server/index.js']],
      // `--watch ".env"` is nodemon/ts-node-dev's option argument, not the script; cli.js requires ./dist/cli/run.js
      ['api', ['api/src/start.ts', 'api/cli.js']],
    ]);
    expect(p.packages[0].files).toEqual(['server/core/kernel.js', 'server/index.js', 'server/models/storage.js', 'server/modules/storage/disk/storage.js', 'server/modules/storage/s3/storage.js']);
    expect(p.packages[0].unresolvedLoads).toEqual([]);
    expect(p.packages[1].files).toEqual(['api/cli.js', 'api/src/cli/run.ts', 'api/src/start.ts']);
  });

  it('expands nested workspace globs (packages/*/*, examples/**) and skips dot folders', async () => {
    const p = await loadNodeProject(new DiskFs(path.resolve(__dirname, '../../fixtures/node-scope/nested-workspaces')), {});
    expect(p.packages.map((x) => x.root)).toEqual(['examples/blog/api', 'packages/core/server']);
    expect(p.packages[1].files).toEqual(['packages/core/server/src/index.ts', 'packages/providers/upload-local/src/index.ts']);
  });
});
