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

  it('kustomize: each overlay is its own workload; generator literals and env patches decide its environment', async () => {
    const dir = project('kustomize-env', {
      ...LARAVEL,
      'k8s/base/kustomization.yaml': 'resources:\n  - web.yaml\nconfigMapGenerator:\n  - name: app-config\n    literals:\n      - SESSION_DRIVER=redis\n      - CACHE_STORE=redis\n',
      'k8s/base/web.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: app\n          image: example/app:1\n          envFrom:\n            - configMapRef: { name: app-config }\n',
      'k8s/overlays/production/kustomization.yaml': 'resources:\n  - ../../base\nconfigMapGenerator:\n  - name: app-config\n    behavior: merge\n    literals:\n      - SESSION_DRIVER=file\npatches:\n  - path: env.yaml\n',
      'k8s/overlays/production/env.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          env:\n            - name: CACHE_STORE\n              value: file\n',
      'k8s/overlays/staging/kustomization.yaml': 'resources:\n  - ../../base\n',
    });
    const prod = (await audit({ path: dir, workload: 'k8s/overlays/production/web' })).report;
    expect((prod.project.deploy as any).workloads.map((w: any) => w.id)).toEqual(['k8s/overlays/production/Deployment/web', 'k8s/overlays/staging/Deployment/web']);
    expect((prod.project.deploy as any).workload).toBe('k8s/overlays/production/Deployment/web');
    expect(prod.effectiveConfig['session.driver']).toEqual({ value: 'file', source: { file: 'k8s/overlays/production/kustomization.yaml', line: 7 } });
    expect(prod.effectiveConfig['cache.default']).toEqual({ value: 'file', source: { file: 'k8s/overlays/production/env.yaml', line: 11 } });
    expect(prod.findings.filter((f) => f.ruleId === 'laravel/session-store-local').map((f) => `${f.location.file}:${f.location.line}`)).toEqual(['k8s/overlays/production/kustomization.yaml:7']);
    // The overlay folder's tail names it too.
    const staging = (await audit({ path: dir, workload: 'overlays/staging/web' })).report;
    expect((staging.project.deploy as any).workload).toBe('k8s/overlays/staging/Deployment/web');
    expect(staging.effectiveConfig['session.driver']).toEqual({ value: 'redis', source: { file: 'k8s/base/kustomization.yaml', line: 6 } });
    // The base is not deployed on its own: a bare name is ambiguous between the overlays.
    expect((await audit({ path: dir, workload: 'web' }).catch((e: Error) => e)) instanceof Error).toBe(true);
  });

  it('Helm: values-*.yaml merged over values.yaml (env maps by key, lists replaced); a Secret reference is set, not read', async () => {
    const dir = project('helm-env', {
      ...LARAVEL,
      'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 1.0.0\n',
      'chart/values.yaml': 'replicaCount: 2\nimage:\n  repository: example/shop\nenv:\n  - name: SESSION_DRIVER\n    valueFrom:\n      secretKeyRef: { name: shop, key: session-driver }\nextraEnv:\n  CACHE_STORE: redis\n  LOG_CHANNEL: "{{ .Values.log }}"\n',
      'chart/values-legacy.yaml': 'env:\n  - name: SESSION_DRIVER\n    value: file\nextraEnv:\n  CACHE_STORE: file\n',
    });
    const { report } = await audit({ path: dir, workload: 'helm:shop (values-legacy.yaml)' });
    expect((report.project.deploy as any).workloads.map((w: any) => [w.id, w.file, w.replicas])).toEqual([
      ['helm:shop', 'chart/values.yaml', 2],
      ['helm:shop (values-legacy.yaml)', 'chart/values-legacy.yaml', 2],
    ]);
    expect(report.effectiveConfig['session.driver']).toEqual({ value: 'file', source: { file: 'chart/values-legacy.yaml', line: 2 } });
    expect(report.effectiveConfig['cache.default']).toEqual({ value: 'file', source: { file: 'chart/values-legacy.yaml', line: 5 } });
    // A template expression is rendered by Helm: not a value statelint knows.
    expect(report.effectiveConfig['logging.default']?.source?.file).not.toBe('chart/values.yaml');
    const base = (await audit({ path: dir, workload: 'helm:shop' })).report;
    expect(base.effectiveConfig['session.driver']).toEqual({ value: '(set from Secret shop, value not read)', source: { file: 'chart/values.yaml', line: 5 } });
    expect(base.effectiveConfig['cache.default']).toEqual({ value: 'redis', source: { file: 'chart/values.yaml', line: 9 } });
  });

  it('Compose: the override merges environment by key and volumes by target; extends from another file brings its environment', async () => {
    const dir = project('compose-merge', {
      ...LARAVEL,
      'docker-compose.yml': 'services:\n  app:\n    image: example/app:1\n    environment:\n      SESSION_DRIVER: redis\n      CACHE_STORE: redis\n  worker:\n    extends:\n      file: compose/common.yml\n      service: base\n    command: php artisan queue:work\n',
      'docker-compose.override.yml': 'services:\n  app:\n    environment:\n      - SESSION_DRIVER=file\n',
      'compose/common.yml': 'services:\n  base:\n    image: example/app:1\n    environment:\n      SESSION_DRIVER: database\n',
    });
    const { report } = await audit({ path: dir, workload: 'app' });
    expect((report.project.deploy as any).workloads.map((w: any) => w.id)).toEqual(['compose:app', 'compose:worker']);
    expect(report.effectiveConfig['session.driver']).toEqual({ value: 'file', source: { file: 'docker-compose.override.yml', line: 4 } });
    expect(report.effectiveConfig['cache.default']).toEqual({ value: 'redis', source: { file: 'docker-compose.yml', line: 6 } });
    const worker = (await audit({ path: dir, workload: 'worker' })).report;
    expect(worker.effectiveConfig['session.driver']).toEqual({ value: 'database', source: { file: 'compose/common.yml', line: 5 } });
  });

  it('hostile kustomize and Compose inputs (cycles, self-reference, remote bases, missing files, extends loops) end with a report', async () => {
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: app\n          image: example/app:1\n';
    const dir = project('hostile', {
      'a/kustomization.yaml': 'resources:\n  - ../b\n  - web.yaml\n',
      'a/web.yaml': deployment,
      'b/kustomization.yaml': 'resources:\n  - ../a\n  - .\n',
      'c/kustomization.yaml': 'resources:\n  - github.com/example/base?ref=v1\n  - ../../outside\n  - web.yaml\npatches:\n  - path: missing.yaml\n  - patch: "not a block"\npatchesJson6902:\n  - target: { kind: Deployment, name: web }\n    path: ops.yaml\n',
      'c/web.yaml': deployment,
      'c/ops.yaml': '- op: replace\n  path: /spec/replicas\n  value: [not, a, number]\n- op: add\n  path: /spec/template/spec/containers/9/env/-\n  value: { name: X, value: y }\n',
      'docker-compose.yml': 'services:\n  a:\n    extends: b\n    image: example/app:1\n  b:\n    extends: a\n  c:\n    extends:\n      file: nowhere.yml\n      service: x\n',
    });
    const { report } = await audit({ path: dir });
    const ids = (report.project.deploy as any).workloads.map((w: any) => w.id);
    expect(ids).toContain('Deployment/web');
    expect(ids).toEqual(expect.arrayContaining(['compose:a', 'compose:b', 'compose:c']));
    expect(report.errors).toContainEqual({ file: 'docker-compose.yml', message: 'extends: nowhere.yml not found; service x was not merged' });
  });
});
