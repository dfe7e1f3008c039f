import path from 'node:path';
import type { ProjectFs } from '../../project/fs.js';

/** The deployment files of a project, by kind (repository paths). */
export interface DeployFiles {
  kubernetes: string[];
  compose: string[];
  dockerfiles: string[];
  procfiles: string[];
  ebextensions: string[];
  platformHooks: string[];
  ebConfig: string[];
  helmTemplates: string[];
  /** `Chart.yaml` files (a Helm chart's folder). */
  helmCharts: string[];
  /** `values.yaml` and `values-*.yaml` beside a Chart.yaml: read as data, never rendered. */
  helmValues: string[];
  /** `kustomization.yaml` files (bases and overlays, applied without running kustomize). */
  kustomizations: string[];
  /** Shell scripts, supervisord and cron files: read only when an image copies them (or a hook runs them). */
  support: string[];
  /** YAML texts read while classifying (so they are read once). */
  texts: Map<string, string>;
}

const SKIP_DIRS = new Set(['.git', 'vendor', 'node_modules', 'storage', 'bootstrap', 'public', 'resources', 'lang', 'database', 'tests', 'test', '.github', '.idea', '.vscode']);
const KEEP_DOT = new Set(['.ebextensions', '.platform', '.elasticbeanstalk', '.docker', '.deploy', '.k8s', '.kubernetes', '.kube', '.helm', '.charts']);
const MAX_DEPTH = 6;
const COMPOSE = /^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$/i;
const DOCKERFILE = /^(?:Dockerfile(?:\.[\w.-]+)?|[\w.-]+\.[Dd]ockerfile)$/;
const KUSTOMIZATION = /^(?:kustomization\.ya?ml|Kustomization)$/;
/** values.yaml, values-production.yaml, values.prod.yaml (beside a Chart.yaml: checked after the walk). */
export const HELM_VALUES = /^values(?:[.-][\w.-]+)?\.ya?ml$/;
const SUPPORT = /\.(?:sh|conf|ini|cron)$|^(?:crontab|[\w.-]*entrypoint[\w.-]*|[\w-]*cron[\w-]*|start(?:-container)?|run|up)$/i;
/**
 * Every name `classify` can keep matches this (one test instead of ten for the thousands of source files of an app;
 * a file under `.platform/` is kept whatever its name).
 */
const MAYBE_DEPLOY = /\.(?:ya?ml|config|sh|conf|ini|cron)$|^(?:Dockerfile|Procfile$|Kustomization$)|dockerfile$|entrypoint|cron|^(?:start(?:-container)?|run|up)$/i;

const cache = new WeakMap<ProjectFs, DeployFiles>();

/** Walks the project once (cached per file system) and sorts the files that describe a deployment. */
export function deployFiles(fs: ProjectFs): DeployFiles {
  const hit = cache.get(fs);
  if (hit) return hit;
  const out: DeployFiles = { kubernetes: [], compose: [], dockerfiles: [], procfiles: [], ebextensions: [], platformHooks: [], ebConfig: [], helmTemplates: [], helmCharts: [], helmValues: [], kustomizations: [], support: [], texts: new Map() };
  walk(fs, '', 0, out);
  // Values files count only beside a Chart.yaml (a values.yaml elsewhere is someone else's data).
  const chartDirs = new Set(out.helmCharts.map((c) => path.posix.dirname(c)));
  const [values, others] = [out.helmValues.filter((v) => chartDirs.has(path.posix.dirname(v))), out.helmValues.filter((v) => !chartDirs.has(path.posix.dirname(v)))];
  out.helmValues = values;
  for (const p of others) classifyYaml(fs, p, out);
  cache.set(fs, out);
  return out;
}

function walk(fs: ProjectFs, rel: string, depth: number, out: DeployFiles): void {
  const entries = fs.list(rel || '.');
  if (!entries) return;
  // Only folders and possible deployment files are sorted (a folder of 6,000 controllers is one regex test each).
  const underPlatform = rel === '.platform' || rel.startsWith('.platform/');
  const kept = entries.filter((e) => e.kind === 'dir' || underPlatform || MAYBE_DEPLOY.test(e.name));
  for (const e of kept.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.kind === 'dir') {
      if (depth >= MAX_DEPTH || SKIP_DIRS.has(e.name) || (e.name.startsWith('.') && !KEEP_DOT.has(e.name))) continue;
      walk(fs, p, depth + 1, out);
      continue;
    }
    classify(fs, p, e.name, out);
  }
}

/** `name` passed MAYBE_DEPLOY, or `p` is under .platform/ (walk's screen). */
function classify(fs: ProjectFs, p: string, name: string, out: DeployFiles): void {
  if (p.startsWith('.ebextensions/') && name.endsWith('.config')) return void out.ebextensions.push(p);
  if (/^\.platform\/(?:hooks|confighooks)\//.test(p)) return void out.platformHooks.push(p);
  if (p === '.elasticbeanstalk/config.yml') return void out.ebConfig.push(p);
  if (DOCKERFILE.test(name)) return void out.dockerfiles.push(p);
  if (name === 'Procfile') return void (p === 'Procfile' ? out.procfiles : out.support).push(p); // a nested Procfile is copied into an image (forego, honcho)
  if (COMPOSE.test(name)) return void out.compose.push(p);
  if (KUSTOMIZATION.test(name)) return void out.kustomizations.push(p);
  if (name === 'Chart.yaml' || name === 'Chart.yml') return void out.helmCharts.push(p);
  if (HELM_VALUES.test(name) && !/(?:^|\/)templates\//.test(p)) return void out.helmValues.push(p);
  if (/\.ya?ml$/.test(name)) return classifyYaml(fs, p, out);
  if (SUPPORT.test(name)) out.support.push(p);
}

function classifyYaml(fs: ProjectFs, p: string, out: DeployFiles): void {
  const read = fs.read(p);
  if (!read.ok) return;
  if (/(?:^|\/)templates\//.test(p) && read.text.includes('{{')) return void out.helmTemplates.push(p);
  if (/^apiVersion:/m.test(read.text) && /^kind:/m.test(read.text)) {
    out.texts.set(p, read.text);
    out.kubernetes.push(p);
  }
}

export function hasDeployFiles(f: DeployFiles): string[] {
  const evidence: string[] = [];
  const add = (list: string[], what: string) => list.length && evidence.push(`${list[0]}${list.length > 1 ? ` (+${list.length - 1})` : ''}: ${what}`);
  add(f.kubernetes, 'Kubernetes manifest');
  add(f.compose, 'Compose file');
  add(f.dockerfiles, 'Dockerfile');
  add(f.procfiles, 'Procfile');
  add(f.helmValues, 'Helm values');
  add(f.kustomizations, 'kustomization');
  add(f.ebextensions, 'Elastic Beanstalk .ebextensions');
  add(f.platformHooks, 'Elastic Beanstalk .platform hook');
  return evidence;
}
