import { deployOf, isMulti, type DeployFacts, type Mount, type Workload } from '../../../src/ecosystems/deploy/model.js';
import { laravelOf } from '../../../src/ecosystems/laravel/facts.js';
import type { ProjectFacts } from '../../../src/engine/project-facts.js';
import { asString, describeOrigin } from '../../../src/engine/values.js';

export { deployOf, isMulti };
export type { DeployFacts, Mount, Workload };

/** What the app keeps on the node that served the request, as far as an app ecosystem could tell. */
export interface AppState {
  /** An app ecosystem resolved its configuration (else nothing could be checked). */
  checked: boolean;
  /** "sessions (session.driver = file: SESSION_DRIVER=file in .env)". */
  perNode: string[];
  sessions?: string;
  uploads?: string;
  /** Some deciding value is unknown: no "stateless" verdict. */
  unknown: boolean;
}

const LOCAL_SESSION = new Set(['file', 'array', 'apc']);
const LOCAL_CACHE = new Set(['file', 'array', 'apc']);

/** Per-node state of the app behind a deployment, read from the other ecosystems' facts. */
export function appState(facts: ProjectFacts): AppState {
  const laravel = laravelOf(facts);
  if (!laravel) return { checked: false, perNode: [], unknown: true };
  const out: AppState = { checked: true, perNode: [], unknown: false };
  const session = laravel.config.get('session.driver');
  const s = asString(session);
  if (!s) out.unknown = true;
  else if (LOCAL_SESSION.has(s)) out.perNode.push((out.sessions = `sessions (session.driver = ${s}: ${describeOrigin(session!)})`));
  const cacheName = asString(laravel.config.get('cache.default'));
  const cacheDriver = cacheName ? laravel.config.get(`cache.stores.${cacheName}.driver`) : undefined;
  const c = asString(cacheDriver);
  if (!c) out.unknown = true;
  else if (LOCAL_CACHE.has(c)) out.perNode.push(`cache (store ${cacheName}, driver ${c}: ${describeOrigin(cacheDriver!)})`);
  const diskName = asString(laravel.config.get('filesystems.default'));
  const diskDriver = diskName ? laravel.config.get(`filesystems.disks.${diskName}.driver`) : undefined;
  const d = asString(diskDriver);
  if (!d) out.unknown = true;
  else if (d === 'local') out.perNode.push((out.uploads = `uploads (disk ${diskName}, driver local: ${describeOrigin(laravel.config.get('filesystems.default')!)})`));
  return out;
}

/** Container paths where a Laravel or Node app keeps files: storage/, uploads, sessions. */
export const STATE_PATH = /(?:^|\/)(?:storage(?:\/app(?:\/public)?|\/framework(?:\/sessions)?)?|uploads?|sessions|public\/(?:storage|uploads|files|media))\/?$/;

/** The workloads production runs (development Compose files and images are left out). */
export function production(deploy: DeployFacts): Workload[] {
  return deploy.workloads.filter((w) => !w.dev);
}

export function replicasText(w: Workload): string {
  return w.replicas.max === Infinity ? 'one pod per node' : `up to ${w.replicas.max} replicas`;
}

/**
 * The line sits in a shell branch that picks the container's role (`case "$MODE" in worker)`, `if [ "$ROLE" = queue ]`):
 * one image started as web or worker by a variable. Which branch runs is decided by the workload, so the line is not
 * known to run in every container of the image.
 */
export function inRoleBranch(lines: Workload['lines'], index: number): boolean {
  const file = lines[index].loc.file;
  const before = lines.slice(0, index).filter((l) => l.loc.file === file && l.loc.line < lines[index].loc.line);
  let depth = 0;
  for (let k = before.length - 1; k >= 0; k--) {
    const t = before[k].text.trim();
    if (/^(?:fi|esac)\b/.test(t)) depth++;
    else if (/^(?:if|case)\b/.test(t)) {
      if (depth === 0 && /\$\{?\w*(?:MODE|ROLE|TYPE|PROCESS|SERVICE|CONTAINER)\w*|\$\{?1\b|worker|queue|horizon/i.test(t)) return true;
      if (depth > 0) depth--;
    } else if (depth === 0 && /^[\w|*-]*(?:worker|queue|horizon)[\w|*-]*\)\s*$/i.test(t)) return true; // a case label
  }
  return false;
}
