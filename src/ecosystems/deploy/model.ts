import type { ProjectFacts } from '../../engine/project-facts.js';
import type { Location } from '../../lang/source-text.js';

/**
 * What the deployment files say about where the app runs (docs/ARCHITECTURE.md, "Ecosystems").
 * Every fact keeps the manifest line it came from: findings point there.
 */
export type Platform = 'kubernetes' | 'compose' | 'elasticbeanstalk' | 'procfile';

/** A command line the workload runs: at start (runtime) or while the image is built. */
export interface ProcessLine {
  text: string;
  loc: Location;
  /** "container command", "Dockerfile CMD", "docker/entrypoint.sh", "supervisord program", ... */
  source: string;
  runtime: boolean;
  /** Starts the scheduler though its text does not say so (a Helm values toggle `scheduler.enabled: true`). */
  scheduler?: boolean;
}

export interface EnvVar {
  key: string;
  /** Literal value; undefined when it comes from a Secret (never read) or is not known. */
  value?: string;
  /** Name of the Secret the value comes from ("set, value not read"). */
  secret?: string;
  loc: Location;
}

export type VolumeKind = 'emptyDir' | 'hostPath' | 'claim-rwo' | 'claim-rwx' | 'claim-unknown' | 'bind' | 'named-volume' | 'config' | 'shared' | 'other';

export interface Mount {
  path: string;
  volume: string;
  kind: VolumeKind;
  loc: Location;
  /** Where the kind was decided (the claim's accessModes, the volume's emptyDir line). */
  decidedBy?: Location;
}

export interface Replicas {
  /** Most replicas the workload may run; undefined when the manifests do not say (Procfile). */
  max: number | undefined;
  loc: Location;
  /** "replicas: 3", "HPA maxReplicas: 10", "one per node (DaemonSet)". */
  note: string;
}

export interface Workload {
  /** "Deployment/web", "compose:app", "elasticbeanstalk:prod", "procfile:web". */
  id: string;
  name: string;
  kind: string;
  platform: Platform;
  file: string;
  loc: Location;
  replicas: Replicas;
  /** Declared for development (a `*.dev.yml` Compose file, a development Dockerfile): not what production runs. */
  dev: boolean;
  /** Runs on a schedule (CronJob): one run per schedule, whatever the replicas. */
  scheduled: boolean;
  /** Runs the app's own image (built from the repository, or not a known third-party image). */
  app: boolean;
  /** Receives web traffic (a Service or Ingress selects it, ports are published, or a web server starts). */
  web: boolean;
  lines: ProcessLine[];
  mounts: Mount[];
  /** In the order they apply (later wins): ConfigMaps/env_file first, then literal env. */
  env: EnvVar[];
  /** Secrets whose keys all become variables (envFrom.secretRef): set, not read. */
  secretSources: { name: string; loc: Location }[];
  /** Pod template labels (Kubernetes), for Service selectors. */
  labels: Record<string, string>;
  /** The Dockerfiles the workload's image is built from (repository paths). */
  dockerfiles: string[];
  /**
   * The deployment it belongs to: a kustomize overlay folder, a Compose stack (its files), a Helm chart and values
   * file. Workloads of different scopes never serve the same users (staging and production overlays).
   */
  scope?: string;
  /** Its volumes are decided where statelint does not look (Helm templates): no "nothing mounted" verdict. */
  mountsUnknown?: boolean;
}

export interface Affinity {
  /** "Service sessionAffinity: ClientIP", "ingress-nginx cookie affinity", "EB stickiness". */
  kind: string;
  loc: Location;
  /** Workload ids behind it (empty when it cannot be told). */
  targets: string[];
}

export interface Dockerfile {
  file: string;
  /** The image is the app (a PHP/Node base, composer/npm install, artisan); not nginx or redis. */
  app: boolean;
  laravel: boolean;
  /** The last FROM line (the image that runs). */
  from: Location;
  lines: ProcessLine[];
  env: EnvVar[];
  /** The base images of the final stage's chain (`serversideup/php:8.4-fpm-nginx deps`). */
  base?: string;
  /** Scripts the image copies that are not in the repository: its start is not fully known. */
  unreadScripts?: string[];
}

export interface DeployFacts {
  /** Deployment files read (repository paths). */
  files: string[];
  workloads: Workload[];
  affinities: Affinity[];
  dockerfiles: Dockerfile[];
  /** Helm values files read (templates are not). */
  helmValues: string[];
  /** kustomization files applied (overlays over bases). */
  kustomizations: string[];
  /** Helm templates are not rendered: listed, not read. */
  helmTemplates: string[];
  /** Lines anywhere in the deployment files that run `config:cache`/`optimize` (EB hooks, manifests, scripts). */
  configCache: ProcessLine[];
}

/** The deployment facts of a project, when it has deployment files. */
export function deployOf(facts: ProjectFacts): DeployFacts | undefined {
  return facts.byEcosystem.deploy as DeployFacts | undefined;
}

/** Multi-replica: two or more, or one per node. */
export function isMulti(w: Workload): boolean {
  return !w.scheduled && (w.replicas.max ?? 0) > 1;
}

/** Development files (Compose `*.dev.yml`, `docker/development/Dockerfile`, ...): not judged as production. */
export const DEV_FILE = /(?:^|[/._-])(?:dev|development|local|test|testing|ci)(?:[/._-]|$)/i;

export const SCHEDULER = /\bschedule:(?:run|work)\b|\bnode-cron\b|\bnode-schedule\b|\bagenda\b.*\bstart\b|\bcron(?:d)?\b(?:\s+-f|\s*$|\s+&)|\bsupercronic\b|\bbusybox\s+crond\b/;
/** A command line that starts a web server (the process a web container runs). */
export const WEB_PROCESS = /\bphp-fpm\b|\bartisan\s+(?:serve|octane:start)\b|\bfrankenphp\b|\bapache2-foreground\b|\bhttpd\b|\bnginx\b|\bunitd\b|\broadrunner\b|\brr\s+serve\b|\bnode\s+(?:\S*server|\S*app|\S*index|dist\/)|\bnpm\s+(?:run\s+)?start\b|\bnext\s+start\b/;

export const QUEUE_WORKER = /\bartisan["',\s]+(?:queue:(?:work|listen)|horizon)\b(?!:)|\bqueue:(?:work|listen)\b|^\s*(?:-\s*)?["']?horizon["']?\s*$/;
export const CONFIG_CACHE = /\bartisan\s+(?:config:cache|optimize)\b(?!:)/;
export const KEY_GENERATE = /\bartisan\s+key:generate\b(?!.*--show)|\b(?:APP_KEY|SESSION_SECRET)=["']?\$\((?:openssl|head|pwgen|node|php|cat\s+\/proc|uuidgen|tr\b)/;
