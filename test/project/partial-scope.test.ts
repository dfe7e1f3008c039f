import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit, detectEcosystems, loadProject } from '../../src/api/index.js';
import { discoverFiles } from '../../src/project/discover.js';
import { DiskFs } from '../../src/project/fs.js';
import { ROOT } from '../support/cli.js';

const PROJECTS = path.join(ROOT, 'fixtures/projects');
const projects = readdirSync(PROJECTS, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
const LANGUAGES = ['php', 'blade', 'ts', 'js'] as const;

/** Every path the whole walk could name, plus folders, skipped and ignored ones, and paths that do not exist. */
function candidatePaths(fs: DiskFs): string[] {
  const out: string[] = [];
  const visit = (rel: string, depth: number) => {
    for (const e of fs.list(rel || '.') ?? []) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      out.push(p);
      if (e.kind === 'dir' && depth < 6) visit(p, depth + 1);
    }
  };
  visit('', 0);
  return [...out, 'no/such/file.php', 'vendor/laravel/framework/src/Foo.php', 'node_modules/x/index.js'];
}

describe('a partial run lists only the named paths, with the answer of the whole walk', () => {
  it.each(projects)('%s: discoverFiles(within) equals the whole walk filtered to the named paths', (name) => {
    const fs = new DiskFs(path.join(PROJECTS, name));
    const ignores = ['**/Legacy/**', '*.min.js'];
    const whole = discoverFiles(fs, [...LANGUAGES], ignores).files;
    const inScope = (only: string[]) => (f: string) => only.some((p) => f === p || f.startsWith(`${p}/`));
    const paths = candidatePaths(fs);
    // Each path alone, and all of them at once (overlapping folders and files: each file once).
    for (const only of [...paths.map((p) => [p]), paths]) {
      expect(discoverFiles(fs, [...LANGUAGES], ignores, only).files, only.length === 1 ? only[0] : 'all').toEqual(whole.filter((f) => inScope(only)(f.path)));
    }
  });
});

describe('mayBeConfigFile is exact or wider than the config files an ecosystem resolves from', () => {
  it.each(projects)('%s: every config file of every detected ecosystem answers true', async (name) => {
    const fs = new DiskFs(path.join(PROJECTS, name));
    const detected = detectEcosystems(fs);
    const { loaded } = await loadProject({ path: fs.root }, fs, undefined, detected);
    for (const { ecosystem } of detected) {
      const files = loaded.get(ecosystem.id)!.configFiles.filter((f) => !path.isAbsolute(f));
      expect(files.filter((f) => !ecosystem.mayBeConfigFile!(f)), ecosystem.id).toEqual([]);
    }
  });
  it('a controller, a view or a server module is not a config file; env files, config PHP files and manifests may be', async () => {
    const fs = new DiskFs(path.join(PROJECTS, 'laravel-10'));
    const [laravel] = detectEcosystems(fs).map((d) => d.ecosystem);
    expect(['app/Http/Controllers/UserController.php', 'resources/views/welcome.blade.php', 'routes/web.php'].map((f) => laravel.mayBeConfigFile!(f))).toEqual([false, false, false]);
    expect(['.env', '.env.production', 'config/session.php', 'settings/cache.php', 'k8s/deploy.yaml'].map((f) => laravel.mayBeConfigFile!(f))).toEqual([true, true, true, true, true]);
  });
});

describe('a partial run whose files give no rule anything to check', () => {
  const L10 = path.join(PROJECTS, 'laravel-10');
  it('reports what the full partial run reports, without resolving the configuration', async () => {
    // app/Models/Document.php has no stateful pattern.
    const quick = await audit({ path: L10, only: ['app/Models/Document.php'] });
    expect(quick.report.findings).toEqual([]);
    expect(quick.report.errors).toEqual([]);
    expect(quick.report.skipped).toEqual([]);
    expect(quick.report.checklist).toEqual([]);
    expect(quick.report.scope).toEqual({ paths: ['app/Models/Document.php'], checklistEvaluated: false });
    expect(quick.loaded.size).toBe(0); // nothing resolved
    expect(quick.report.summary.filesScanned).toBe(1);
    // Config-level rules did not run, so formats do not list them as clean.
    expect(quick.rules.map((r) => r.id)).not.toContain('laravel/cache-store-local');
    expect(quick.rules.map((r) => r.id)).toContain('laravel/env-outside-config');
  });
  it('resolves the configuration as soon as a file may give a finding or names a config file', async () => {
    const withPattern = await audit({ path: L10, only: ['app/Http/Controllers/DocumentController.php'] });
    expect(withPattern.loaded.size).toBeGreaterThan(0);
    expect(withPattern.report.findings.length).toBeGreaterThan(0);
    const config = await audit({ path: L10, only: ['config/session.php'] });
    expect(config.report.scope).toEqual({ paths: ['config/session.php'], checklistEvaluated: true });
    expect(config.report.checklist.length).toBeGreaterThan(0);
    expect(config.rules.map((r) => r.id)).toContain('laravel/cache-store-local');
  });
});
