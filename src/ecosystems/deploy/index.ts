import type { ChalkInstance } from 'chalk';
import type { Finding } from '../../engine/finding.js';
import type { ChecklistItem, CheckStatus, EffectiveValue } from '../../engine/report.js';
import { LineIndex } from '../../lang/source-text.js';
import type { EnvEntry, EnvFile } from '../../project/env-files.js';
import type { ProjectFs } from '../../project/fs.js';
import { languageOf } from '../../lang/adapter.js';
import { discoverRules } from '../rules.js';
import type { ChecklistContext, Ecosystem, LoadedEcosystem, ProvidedEnvironment } from '../types.js';
import { deployFiles, hasDeployFiles } from './files.js';
import { isMulti, QUEUE_WORKER, SCHEDULER, type DeployFacts, type Workload } from './model.js';

/**
 * The deploy ecosystem (issue 12): reads Kubernetes manifests, Compose files, Dockerfiles and the scripts
 * they copy, Procfiles, supervisord files and Elastic Beanstalk configuration. It sits beside an app
 * ecosystem (or alone, for a repository of manifests), and gives the others a workload's environment.
 */
export const deploy: Ecosystem = {
  id: 'deploy',
  name: 'Deployment manifests',
  signature: 'no Kubernetes manifest or kustomization, Helm values, Compose file, Dockerfile, Procfile or .ebextensions',
  providesEnvironment: true,
  detect(fs) {
    const evidence = hasDeployFiles(deployFiles(fs));
    return evidence.length ? { evidence } : undefined;
  },
  async load(fs: ProjectFs): Promise<LoadedEcosystem> {
    const { readDeployment } = await import('./read.js');
    const { facts, errors, texts, envFiles } = readDeployment(fs);
    const info: Record<string, unknown> = {
      workloads: facts.workloads.map((w) => ({ id: w.id, file: w.file, replicas: w.replicas.max === Infinity ? 'per node' : (w.replicas.max ?? null), web: w.web })),
      files: facts.files,
      workload: null,
      ...(facts.helmTemplates.length ? { helmTemplatesNotRendered: facts.helmTemplates } : {}),
    };
    let judged: Workload | undefined;
    return {
      facts,
      info,
      errors,
      effectiveConfig: (): Record<string, EffectiveValue> => (judged ? { 'deploy.workload': { value: judged.id, source: { file: judged.loc.file, line: judged.loc.line } } } : {}),
      checklist: (findings, context) => deployChecklist(facts, findings, context, judged),
      describeConfig: (format, chalk) => describe(facts, format, chalk),
      configFiles: facts.files,
      environmentOf(name: string) {
        const w = findWorkload(facts.workloads, name);
        if (Array.isArray(w)) return w.length ? { unknown: w.map((x) => `${x.file}:${x.name}`), ambiguous: true } : { unknown: facts.workloads.map((x) => x.id) };
        judged = w;
        info.workload = w.id;
        return environmentOf(w, (f) => texts.get(f) ?? envFiles.get(f)?.text);
      },
    };
  },
  // Its config files are manifests, Dockerfiles, Procfiles and hooks: never PHP, JavaScript or TypeScript sources.
  mayBeConfigFile: (file) => !languageOf(file),
  rules: () => discoverRules('deploy'),
};

/**
 * A workload by id (`Deployment/web`, `compose:app`), by name (`web`), or by file and name
 * (`docker-compose.prod.yml:app`). A name found in several files prefers production files: not a development
 * file, then the root Compose file or the only Kubernetes one.
 */
function findWorkload(all: Workload[], name: string): Workload | Workload[] {
  const lower = name.toLowerCase();
  const exact = all.find((w) => w.id.toLowerCase() === lower);
  if (exact) return exact;
  const sep = lower.lastIndexOf(':');
  const inFile = sep > 0 ? all.filter((w) => w.file.toLowerCase() === lower.slice(0, sep) && w.name.toLowerCase() === lower.slice(sep + 1)) : [];
  if (inFile.length === 1) return inFile[0];
  // `k8s/overlays/production/web`, or its tail `overlays/production/web`.
  const inScope = all.filter((w) => w.scope && (`${w.scope}/${w.name}`.toLowerCase() === lower || `${w.scope}/${w.name}`.toLowerCase().endsWith(`/${lower}`)) && lower.includes('/'));
  if (inScope.length === 1) return inScope[0];
  let byName = all.filter((w) => w.name.toLowerCase() === lower || w.id.toLowerCase().endsWith(`/${lower}`) || w.id.toLowerCase().endsWith(`:${lower}`));
  for (const narrower of [(w: Workload) => w.app, (w: Workload) => !w.dev, (w: Workload) => !w.file.includes('/') && /^(?:docker-)?compose\.ya?ml$/.test(w.file)]) {
    if (byName.length <= 1) break;
    const kept = byName.filter(narrower);
    if (kept.length) byName = kept;
  }
  return byName.length === 1 ? byName[0] : byName;
}

/** The workload's variables as env files whose lines are the manifest lines (later files win). */
function environmentOf(w: Workload, textOf: (file: string) => string | undefined): ProvidedEnvironment {
  const files: EnvFile[] = [];
  const notRead: string[] = [];
  for (const v of w.env) {
    if (v.value === undefined && !v.secret) continue; // set by the shell that deploys: not knowable here
    const text = textOf(v.loc.file);
    if (text === undefined) continue;
    let f = files[files.length - 1];
    if (!f || f.file !== v.loc.file) {
      f = { file: v.loc.file, text, lines: new LineIndex(text), entries: new Map<string, EnvEntry>() };
      files.push(f);
    }
    if (v.secret) notRead.push(`${v.key} (Secret ${v.secret})`);
    // A value from a Secret is set but never read: the resolver sees that it is set, not what it is.
    f.entries.set(v.key, { key: v.key, value: v.secret ? `(set from Secret ${v.secret}, value not read)` : (v.value ?? ''), file: v.loc.file, line: v.loc.line });
  }
  for (const s of w.secretSources) notRead.push(`every key of Secret ${s.name}`);
  return { workload: w.id, files, notRead };
}

function replicasText(w: Workload): string {
  return w.replicas.max === Infinity ? 'per node' : w.replicas.max === undefined ? '?' : `×${w.replicas.max}`;
}

/** One Deployment row: replicas, affinity, volumes, scheduler, workers, and whether a deploy rule failed. */
function deployChecklist(facts: DeployFacts, findings: Finding[], context: ChecklistContext, judged?: Workload): ChecklistItem[] {
  // deploy/* rules are all in the 'deployment' category: this row is theirs, the app's rows stay the app's.
  const mine = findings.filter((f) => f.ruleId.startsWith('deploy/'));
  const failing = mine.some((f) => f.severity !== 'info');
  const hidden = context.suppressed.filter((f) => f.ruleId.startsWith('deploy/')).length;
  const off = [...context.disabledRules].filter((id) => id.startsWith('deploy/'));
  const apps = facts.workloads.filter((w) => w.app && !w.dev);
  const shown = apps.slice(0, 6).map((w) => `${w.id} ${replicasText(w)}`);
  const parts = [
    `${shown.join(', ') || 'no production app workload'}${apps.length > shown.length ? ` and ${apps.length - shown.length} more` : ''}`,
    `affinity: ${facts.affinities.length ? facts.affinities.map((a) => a.kind).join(', ') : 'none'}`,
    `volumes: ${[...new Set(apps.flatMap((w) => w.mounts.filter((m) => m.kind !== 'config').map((m) => m.kind)))].join(', ') || 'none'}`,
    `scheduler: ${facts.workloads.filter((w) => w.lines.some((l) => l.runtime && (l.scheduler || SCHEDULER.test(l.text)))).map((w) => (w.scheduled ? `${w.id} (scheduled)` : isMulti(w) ? `${w.id} (every replica)` : w.id)).join(', ') || 'none found'}`,
    ...(judged ? [`app judged with ${judged.id}'s environment`] : []),
    `workers: ${facts.workloads.filter((w) => w.lines.some((l) => l.runtime && QUEUE_WORKER.test(l.text))).map((w) => w.id).join(', ') || 'none found'}`,
  ];
  const caveats = [...(hidden ? [`${hidden} suppressed`] : []), ...(off.length ? [`${off.join(', ')} off`] : [])];
  const status: CheckStatus = failing ? 'fail' : caveats.length ? 'unknown' : 'pass';
  return [{ category: 'deployment', label: 'Deployment', status, value: `${parts.join('; ')}${caveats.length ? ` (${caveats.join('; ')})` : ''}` }];
}

function describe(facts: DeployFacts, format: 'pretty' | 'json', c: ChalkInstance): string {
  const rows = facts.workloads.map((w) => ({
    workload: w.id,
    replicas: replicasText(w),
    decidedBy: `${w.replicas.loc.file}:${w.replicas.loc.line}  ${w.replicas.note}`,
    web: w.web,
    env: w.env.map((v) => v.key),
  }));
  if (format === 'json') return `${JSON.stringify({ deploy: { workloads: rows, affinities: facts.affinities.map((a) => ({ kind: a.kind, file: a.loc.file, line: a.loc.line })) } }, null, 2)}\n`;
  const lines = [c.bold('Deployment'), ...rows.map((r) => `  ${r.workload.padEnd(32)} ${r.replicas.padEnd(9)} ${c.dim(r.decidedBy)}`)];
  for (const a of facts.affinities) lines.push(`  ${c.yellow('affinity')} ${a.kind}  ${c.dim(`${a.loc.file}:${a.loc.line}`)}`);
  return `${lines.join('\n')}\n`;
}
