import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/cli.js';

/**
 * --workload: the manifest's environment of one workload goes on top of the env files when the Laravel
 * config is resolved, findings point at the manifest line, and the report names the workload judged.
 */
const PROJECTS = path.join(ROOT, 'fixtures/projects');
const audit = (project: string, ...args: string[]) => {
  const run = runCli(['audit', path.join(PROJECTS, project), '--format', 'json', ...args]);
  return { run, report: run.stdout ? JSON.parse(run.stdout) : undefined };
};
const at = (report: any, ruleId: string) => report.findings.filter((f: any) => f.ruleId === ruleId).map((f: any) => `${f.location.file}:${f.location.line}`);

describe('--workload', () => {
  it('Kubernetes: the ConfigMap sets SESSION_DRIVER=redis, so the file-session findings of .env.example disappear', () => {
    const before = audit('deploy-laravel-k8s').report;
    expect(at(before, 'laravel/session-store-local')).toEqual(['.env.example:37']);
    expect(at(before, 'deploy/sticky-sessions-hide-local-state')).toHaveLength(1);

    const { report, run } = audit('deploy-laravel-k8s', '--workload', 'web');
    expect(run.stderr).toBe('');
    expect(report.project.deploy.workload).toBe('Deployment/web');
    expect(report.effectiveConfig['deploy.workload']).toEqual({ value: 'Deployment/web', source: { file: 'k8s/web.yaml', line: 4 } });
    expect(report.effectiveConfig['session.driver']).toEqual({ value: 'redis', source: { file: 'k8s/config.yaml', line: 7 } });
    expect(at(report, 'laravel/session-store-local')).toEqual([]);
    expect(at(report, 'deploy/sticky-sessions-hide-local-state')).toEqual([]);
    expect(at(report, 'deploy/replicas-share-local-volume')).toEqual([]);
  });

  it('Compose: the service sets SESSION_DRIVER=file, so the session finding appears at the compose line', () => {
    expect(at(audit('deploy-laravel-compose').report, 'laravel/session-store-local')).toEqual([]);
    const { report } = audit('deploy-laravel-compose', '--workload', 'legacy-admin');
    expect(report.project.deploy.workload).toBe('compose:legacy-admin');
    expect(at(report, 'laravel/session-store-local')).toEqual(['docker-compose.yml:30']);
  });

  it('Elastic Beanstalk: option_settings set file sessions; sticky sessions then hide them', () => {
    const { report } = audit('deploy-laravel-eb', '--workload', 'ledgerly-prod');
    expect(report.project.deploy.workload).toBe('elasticbeanstalk:ledgerly-prod');
    expect(at(report, 'laravel/session-store-local')).toEqual(['.ebextensions/01-environment.config:5']);
    expect(at(report, 'deploy/sticky-sessions-hide-local-state')).toEqual(['.ebextensions/01-environment.config:12']);
  });

  it('a value from a Secret is set, never read or printed', () => {
    const { run } = audit('deploy-laravel-k8s', '--workload', 'web');
    expect(run.stdout).not.toMatch(/app-key"?:\s*"?base64/);
    expect(run.stdout).toContain('"workload": "Deployment/web"');
  });

  it('an unknown workload is a usage error naming the ones that exist', () => {
    const { run } = audit('deploy-laravel-k8s', '--workload', 'nope');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--workload nope: no such workload \(known: CronJob\/scheduler, Deployment\/worker, Deployment\/web\)/);
  });

  it('--workload without deployment manifests is a usage error', () => {
    const { run } = audit('stateless', '--workload', 'web');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no deployment manifests found/);
  });
});
