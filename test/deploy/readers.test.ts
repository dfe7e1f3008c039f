import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/api/index.js';

/** The deploy readers on small trees: malformed YAML, Secrets, kustomize patches, Compose anchors. */
const tmp = mkdtempSync(path.join(os.tmpdir(), 'statelint-deploy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function project(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

const LARAVEL = { artisan: '', 'composer.json': '{"require":{"laravel/framework":"^11.0"}}', '.env': 'SESSION_DRIVER=redis\nCACHE_STORE=redis\nFILESYSTEM_DISK=s3\n' };

describe('deploy readers', () => {
  it('lists malformed YAML under errors with its line and goes on with the other files', async () => {
    const dir = project('broken', {
      'k8s/bad.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: [oops\n',
      'k8s/good.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n',
    });
    const { report } = await audit({ path: dir });
    expect(report.ecosystems).toEqual(['deploy']);
    expect(report.errors).toEqual([{ file: 'k8s/bad.yaml', message: expect.stringMatching(/^YAML parse error at \d+:\d+: .*; file partly analysed$/) }]);
    expect((report.project.deploy as any).workloads.map((w: any) => w.id)).toEqual(['Deployment/web']);
  });

  it('never reads a Secret: its data is not used as the environment and never printed', async () => {
    const dir = project('secret', {
      ...LARAVEL,
      'k8s/app.yaml': [
        'apiVersion: v1', 'kind: Secret', 'metadata:', '  name: app', 'stringData:', '  SESSION_DRIVER: file', '  APP_KEY: base64:c2VjcmV0LXZhbHVlLW5ldmVyLXByaW50ZWQ=', '---',
        'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', 'spec:', '  replicas: 2', '  template:', '    spec:', '      containers:', '        - name: app', '          image: example/app:1',
        '          envFrom:', '            - secretRef: { name: app }', '          env:', '            - name: SESSION_DRIVER', '              valueFrom:', '                secretKeyRef: { name: app, key: SESSION_DRIVER }', '',
      ].join('\n'),
    });
    const { report } = await audit({ path: dir, workload: 'web' });
    const json = JSON.stringify(report);
    expect(json).not.toContain('c2VjcmV0');
    expect(report.effectiveConfig['session.driver']).toEqual({ value: '(set from Secret app, value not read)', source: { file: 'k8s/app.yaml', line: 23 } });
    expect(report.findings.filter((f) => f.ruleId === 'laravel/session-store-local')).toEqual([]);
  });

  it('reads a kustomize overlay patch as the worst case of the base Deployment', async () => {
    const dir = project('kustomize', {
      'base/deployment.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: app\n          image: example/app:1\n          command: ["php", "artisan", "schedule:work"]\n',
      'base/kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      'overlays/prod/replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 4\n',
    });
    const { report } = await audit({ path: dir });
    expect(report.findings.map((f) => [f.ruleId, f.location.file, f.location.line])).toEqual([['deploy/scheduler-on-every-replica', 'base/deployment.yaml', 12]]);
    expect(report.findings[0].related).toEqual([{ file: 'overlays/prod/replicas.yaml', line: 6, message: 'replicas: 4 (patch)' }]);
  });

  it('follows Compose anchors and merge keys, and ${VAR:-default} interpolation from the .env beside the file', async () => {
    const dir = project('anchors', {
      ...LARAVEL,
      'docker-compose.yml': 'x-env: &env\n  SESSION_DRIVER: ${LEGACY_SESSIONS:-file}\n  CACHE_STORE: ${CACHE_STORE:-file}\nservices:\n  app:\n    image: example/app:1\n    environment:\n      <<: *env\n',
    });
    const { report } = await audit({ path: dir, workload: 'app' });
    expect(report.effectiveConfig['session.driver']).toEqual({ value: 'file', source: { file: 'docker-compose.yml', line: 2 } });
    expect(report.findings.map((f) => `${f.ruleId} ${f.location.file}:${f.location.line}`)).toContain('laravel/session-store-local docker-compose.yml:2');
    // Compose reads ${CACHE_STORE} from the .env beside it before its default.
    expect(report.effectiveConfig['cache.default']).toEqual({ value: 'redis', source: { file: 'docker-compose.yml', line: 3 } });
  });
});
