import type { Node } from 'yaml';
import type { FileError } from '../../engine/finding.js';
import type { EnvFile } from '../../project/env-files.js';
import type { ProjectFs } from '../../project/fs.js';
import type { ImageInfo, ImageLine } from './dockerfile.js';
import type { Affinity, ProcessLine, Workload } from './model.js';
import { isScalar, Y, type YamlFile } from './yaml.js';

/** Images that are never the app itself (stores, proxies, tools). */
export const THIRD_PARTY = /^(?:\$\{[^}]*\}\/)?(?:[\w.:-]+\/)*(?:library\/)?(?:redis|valkey|mysql|mariadb|postgres|postgis|memcached|nginx|traefik|caddy|haproxy|envoy|minio|mailhog|mailpit|meilisearch|elasticsearch|opensearch|rabbitmq|mongo|busybox|alpine|soketi|selenium|adminer|phpmyadmin|typesense|clickhouse|bitnami\/(?:redis|mysql|postgresql)|curlimages|docker|registry|grafana|prometheus|loki|jaeger|otel|gotenberg|browserless|clamav|pgbouncer|cloudflare)(?::|@|$)/i;

/** What the readers of each platform share: file access (read once, errors listed) and the images. */
export interface ReadContext {
  fs: ProjectFs;
  errors: FileError[];
  envFiles: Map<string, EnvFile>;
  read(file: string): string | undefined;
  yaml(file: string): YamlFile | undefined;
  image(file: string, context?: string): ImageInfo | undefined;
  /** The Dockerfile an app image of a Kubernetes manifest or Helm chart is built from. */
  defaultDockerfile(): string[];
  workloads: Workload[];
  affinities: Affinity[];
}

/** A YAML node with the file it is in (manifests layered from several files keep each line's own file). */
export interface Ref {
  y: Y;
  node: unknown;
}

/** Start-command lines of an image, as overridden by a manifest (entrypoint/command replace parts). */
export function imageLines(img: ImageInfo | undefined, override: { entrypoint: boolean; cmd: boolean }): ImageLine[] {
  if (!img) return [];
  return img.lines.filter((l) => l.part === 'build' || (l.part === 'entrypoint' && !override.entrypoint) || (l.part === 'cmd' && !override.cmd));
}

/** Physical lines of a (possibly block) scalar, each with its own location. */
export function scalarLines(y: Y, node: unknown, source: string): ProcessLine[] {
  const items = y.items(node);
  if (items.length) {
    const oneLine = (i: Node) => y.loc(i).line === y.f.lines.lineOf(Math.max(i.range![0], i.range![1] - 1));
    if (items.every((i) => isScalar(i) && i.range && oneLine(i))) {
      // ["php", "artisan", "queue:work"]: one command, located at its sub-command (or its first word).
      const at = items.find((i) => /^[\w-]+:[\w-]+$/.test(y.str(i) ?? '')) ?? items[0];
      return [{ text: items.map((i) => y.str(i) ?? '').join(' '), loc: y.f.lines.lineLocation(y.f.file, y.loc(at).line), source, runtime: true }];
    }
    return items.filter((i) => !(isScalar(i) && i.range && oneLine(i))).flatMap((i) => scalarLines(y, i, source));
  }
  const n = y.deref(node) as { range?: [number, number, number] } | null;
  if (!n?.range) return [];
  const first = y.f.lines.lineOf(n.range[0]);
  const last = y.f.lines.lineOf(Math.max(n.range[0], n.range[1] - 1));
  const out: ProcessLine[] = [];
  for (let l = first; l <= last; l++) {
    const text = y.f.lines.lineText(l);
    if (!text.trim() || /^\s*#/.test(text)) continue;
    out.push({ text, loc: y.f.lines.lineLocation(y.f.file, l), source, runtime: true });
  }
  return out;
}

/** One affinity per line: a Service of a base seen through several overlays fronts all their workloads. */
export function addAffinity(list: Affinity[], a: Affinity): void {
  const same = list.find((x) => x.kind === a.kind && x.loc.file === a.loc.file && x.loc.line === a.loc.line);
  if (same) same.targets = [...new Set([...same.targets, ...a.targets])];
  else list.push(a);
}

/** Ingress annotations that pin a client to one backend pod. */
export function stickyAnnotation(key: string, v: string): boolean {
  return (
    (key === 'nginx.ingress.kubernetes.io/affinity' && v === 'cookie') ||
    (key === 'alb.ingress.kubernetes.io/target-group-attributes' && /stickiness\.enabled=true/.test(v)) ||
    (key === 'traefik.ingress.kubernetes.io/service.sticky.cookie' && v === 'true')
  );
}

export { Y };
