import path from 'node:path';
import type { FileError } from '../../engine/finding.js';
import { LineIndex, type Location } from '../../lang/source-text.js';
import { parseEnvFile, type EnvFile } from '../../project/env-files.js';
import type { ProjectFs } from '../../project/fs.js';
import { readDockerfile, type ImageInfo, type ImageLine } from './dockerfile.js';
import { deployFiles } from './files.js';
import { CONFIG_CACHE, DEV_FILE, type Affinity, type DeployFacts, type EnvVar, type Mount, type ProcessLine, type VolumeKind, type Workload } from './model.js';
import type { Node } from 'yaml';
import { isScalar, parseYamlFile, Y, type YamlFile } from './yaml.js';

/** Images that are never the app itself (stores, proxies, tools). */
const THIRD_PARTY = /^(?:\$\{[^}]*\}\/)?(?:[\w.:-]+\/)*(?:library\/)?(?:redis|valkey|mysql|mariadb|postgres|postgis|memcached|nginx|traefik|caddy|haproxy|envoy|minio|mailhog|mailpit|meilisearch|elasticsearch|opensearch|rabbitmq|mongo|busybox|alpine|soketi|selenium|adminer|phpmyadmin|typesense|clickhouse|bitnami\/(?:redis|mysql|postgresql)|curlimages|docker|registry|grafana|prometheus|loki|jaeger|otel|gotenberg|browserless|clamav|pgbouncer|cloudflare)(?::|@|$)/i;
const WEB_PROCESS = /\bphp-fpm\b|\bartisan\s+(?:serve|octane:start)\b|\bfrankenphp\b|\bapache2-foreground\b|\bhttpd\b|\bnginx\b|\bunitd\b|\broadrunner\b|\brr\s+serve\b|\bnode\s+(?:\S*server|\S*app|\S*index|dist\/)|\bnpm\s+(?:run\s+)?start\b|\bnext\s+start\b/;

export interface ReadResult {
  facts: DeployFacts;
  errors: FileError[];
  /** Texts of manifest files, for the environment (EnvFile needs the text for line positions). */
  texts: Map<string, string>;
  /** Env files Compose `env_file:` names, parsed. */
  envFiles: Map<string, EnvFile>;
}

interface ConfigMapData {
  entries: { key: string; value: string; loc: Location }[];
}

export function readDeployment(fs: ProjectFs): ReadResult {
  const files = deployFiles(fs);
  const errors: FileError[] = [];
  const texts = new Map<string, string>();
  const envFiles = new Map<string, EnvFile>();
  const read = (file: string): string | undefined => {
    if (texts.has(file)) return texts.get(file);
    const cached = files.texts.get(file);
    const r = cached !== undefined ? { ok: true as const, text: cached } : fs.read(file);
    if (!r.ok) {
      errors.push({ file, message: r.reason });
      return undefined;
    }
    texts.set(file, r.text);
    return r.text;
  };
  const yaml = (file: string): YamlFile | undefined => {
    const text = read(file);
    if (text === undefined) return undefined;
    const y = parseYamlFile(file, text);
    if (y.error) errors.push({ file, message: y.error });
    return y;
  };

  const images = new Map<string, ImageInfo>();
  const image = (file: string, context?: string): ImageInfo | undefined => {
    const key = `${file}|${context ?? ''}`;
    if (!images.has(key)) {
      const text = read(file);
      if (text === undefined) return undefined;
      images.set(key, readDockerfile(fs, file, text, context, files.support));
    }
    return images.get(key);
  };
  for (const f of files.dockerfiles) image(f);
  const appImages = () => [...new Set([...images.values()].filter((i) => i.app).map((i) => i.file))];
  /** The Dockerfile an app image of a Kubernetes manifest is built from: the root one, else the only app one. */
  const defaultDockerfile = () => (files.dockerfiles.includes('Dockerfile') ? ['Dockerfile'] : appImages().length === 1 ? appImages() : []);

  const workloads: Workload[] = [];
  const affinities: Affinity[] = [];
  const configCache: ProcessLine[] = [];

  readKubernetes(files.kubernetes.map(yaml).filter((y): y is YamlFile => !!y), workloads, affinities, defaultDockerfile, image);
  for (const f of files.compose) {
    const y = yaml(f);
    if (y) readCompose(fs, y, workloads, affinities, image, envFiles, errors);
  }
  if (files.ebextensions.length || files.platformHooks.length) readBeanstalk(fs, files, yaml, read, workloads, affinities, defaultDockerfile, image);
  else for (const f of files.procfiles) readProcfile(f, read(f), workloads);

  for (const img of images.values()) configCache.push(...img.lines.filter((l) => CONFIG_CACHE.test(l.text)));
  for (const w of workloads) configCache.push(...w.lines.filter((l) => CONFIG_CACHE.test(l.text)));
  return {
    facts: {
      files: [...files.kubernetes, ...files.compose, ...files.dockerfiles, ...files.procfiles, ...files.ebextensions, ...files.platformHooks],
      workloads,
      affinities,
      dockerfiles: [...new Map([...images.values()].map((i) => [i.file, i])).values()],
      helmTemplates: files.helmTemplates,
      configCache: dedupe(configCache),
    },
    errors,
    texts,
    envFiles,
  };
}

function dedupe(lines: ProcessLine[]): ProcessLine[] {
  const seen = new Set<string>();
  return lines.filter((l) => !seen.has(`${l.loc.file}:${l.loc.line}`) && !!seen.add(`${l.loc.file}:${l.loc.line}`));
}

/** Start-command lines of an image, as overridden by a manifest (entrypoint/command replace parts). */
function imageLines(img: ImageInfo | undefined, override: { entrypoint: boolean; cmd: boolean }): ImageLine[] {
  if (!img) return [];
  return img.lines.filter((l) => l.part === 'build' || (l.part === 'entrypoint' && !override.entrypoint) || (l.part === 'cmd' && !override.cmd));
}

/** Physical lines of a (possibly block) scalar, each with its own location. */
function scalarLines(y: Y, node: unknown, source: string): ProcessLine[] {
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

// ---------------------------------------------------------------- Kubernetes

function readKubernetes(
  files: YamlFile[],
  workloads: Workload[],
  affinities: Affinity[],
  defaultDockerfile: () => string[],
  image: (file: string) => ImageInfo | undefined,
): void {
  const configMaps = new Map<string, ConfigMapData>();
  const claims = new Map<string, { kind: VolumeKind; loc: Location }>();
  const hpas: { kind: string; name: string; max: number; loc: Location }[] = [];
  const services: { y: Y; node: unknown; name: string }[] = [];
  const ingresses: { y: Y; node: unknown }[] = [];
  const pods: { y: Y; node: unknown; kind: string; name: string; spec: unknown; template: unknown }[] = [];
  for (const f of files) {
    for (const d of f.docs) {
      const y = new Y(f, d.doc);
      const kind = y.str(d.root, 'kind');
      const name = y.str(d.root, 'metadata', 'name') ?? '(unnamed)';
      if (!kind) continue;
      if (kind === 'ConfigMap') {
        const entries = y.entries(y.get(d.root, 'data')).map((e) => ({ key: e.key, value: y.str(e.value) ?? '', loc: y.loc(e.pair.key) }));
        configMaps.set(name, { entries });
      } else if (kind === 'PersistentVolumeClaim') {
        const modes = y.items(y.get(d.root, 'spec', 'accessModes')).map((m) => y.str(m));
        const loc = y.keyLoc(y.get(d.root, 'spec'), 'accessModes') ?? y.loc(d.root);
        claims.set(name, { kind: modes.includes('ReadWriteMany') ? 'claim-rwx' : modes.length ? 'claim-rwo' : 'claim-unknown', loc });
      } else if (kind === 'HorizontalPodAutoscaler') {
        const max = y.num(d.root, 'spec', 'maxReplicas');
        const target = y.get(d.root, 'spec', 'scaleTargetRef');
        if (max !== undefined) hpas.push({ kind: y.str(target, 'kind') ?? '', name: y.str(target, 'name') ?? '', max, loc: y.keyLoc(y.get(d.root, 'spec'), 'maxReplicas')! });
      } else if (kind === 'Service') services.push({ y, node: d.root, name });
      else if (kind === 'Ingress') ingresses.push({ y, node: d.root });
      else if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'].includes(kind)) pods.push({ y, node: d.root, kind, name, spec: y.get(d.root, 'spec'), template: y.get(d.root, 'spec', 'template') });
      else if (kind === 'CronJob') pods.push({ y, node: d.root, kind, name, spec: y.get(d.root, 'spec'), template: y.get(d.root, 'spec', 'jobTemplate', 'spec', 'template') });
      else if (kind === 'Job') pods.push({ y, node: d.root, kind, name, spec: y.get(d.root, 'spec'), template: y.get(d.root, 'spec', 'template') });
      else if (kind === 'Pod') pods.push({ y, node: d.root, kind, name, spec: d.root, template: d.root });
      // Secrets are never read: their data is not looked at.
    }
  }

  for (const p of pods) {
    const { y } = p;
    const podSpec = y.get(p.template, 'spec');
    const containers = [...y.items(y.get(podSpec, 'initContainers')), ...y.items(y.get(podSpec, 'containers'))];
    const isPatch = containers.length > 0 && containers.every((c) => !y.str(c, 'image'));
    const existing = workloads.find((w) => w.kind === p.kind && w.name === p.name);
    const replicasLoc = y.keyLoc(p.spec, 'replicas');
    const replicas = y.num(p.spec, 'replicas');
    if (existing && (isPatch || !containers.length)) {
      // A kustomize patch (overlay): judged at its worst case across overlays.
      if (replicas !== undefined && replicasLoc && replicas > (existing.replicas.max ?? 0)) existing.replicas = { max: replicas, loc: replicasLoc, note: `replicas: ${replicas} (patch)` };
      continue;
    }
    const volumes = new Map<string, { kind: VolumeKind; loc: Location; decidedBy?: Location }>();
    for (const v of y.items(y.get(podSpec, 'volumes'))) {
      const vname = y.str(v, 'name') ?? '';
      const loc = y.loc(v);
      if (y.pair(v, 'emptyDir')) volumes.set(vname, { kind: 'emptyDir', loc, decidedBy: y.keyLoc(v, 'emptyDir') });
      else if (y.pair(v, 'hostPath')) volumes.set(vname, { kind: 'hostPath', loc, decidedBy: y.keyLoc(v, 'hostPath') });
      else if (y.pair(v, 'persistentVolumeClaim')) {
        const claim = claims.get(y.str(v, 'persistentVolumeClaim', 'claimName') ?? '');
        volumes.set(vname, { kind: claim?.kind ?? 'claim-unknown', loc, decidedBy: claim?.loc });
      } else if (['nfs', 'cephfs', 'glusterfs', 'azureFile', 'csi'].some((k) => y.pair(v, k))) volumes.set(vname, { kind: 'shared', loc });
      else if (['configMap', 'secret', 'projected', 'downwardAPI'].some((k) => y.pair(v, k))) volumes.set(vname, { kind: 'config', loc });
      else volumes.set(vname, { kind: 'other', loc });
    }
    for (const t of y.items(y.get(p.spec, 'volumeClaimTemplates'))) {
      const modes = y.items(y.get(t, 'spec', 'accessModes')).map((m) => y.str(m));
      volumes.set(y.str(t, 'metadata', 'name') ?? '', { kind: modes.includes('ReadWriteMany') ? 'claim-rwx' : 'claim-rwo', loc: y.loc(t), decidedBy: y.keyLoc(y.get(t, 'spec'), 'accessModes') });
    }
    const lines: ProcessLine[] = [];
    const env: EnvVar[] = [];
    const secretSources: Workload['secretSources'] = [];
    const mounts: Mount[] = [];
    const dockerfiles = new Set<string>();
    let app = false;
    let ports = false;
    const anyApp = containers.some((c) => !THIRD_PARTY.test(y.str(c, 'image') ?? 'x'));
    for (const c of containers) {
      const img = y.str(c, 'image') ?? '';
      const isApp = !!img && !THIRD_PARTY.test(img);
      // The environment judged is the app containers' (a sidecar's variables are not the app's).
      const envOf = isApp || !anyApp;
      app ||= isApp;
      if (y.pair(c, 'ports')) ports = true;
      const cname = y.str(c, 'name') ?? img;
      const cmdNode = y.get(c, 'command');
      const argsNode = y.get(c, 'args');
      if (cmdNode) lines.push(...scalarLines(y, cmdNode, `container ${cname} command`));
      if (argsNode) lines.push(...scalarLines(y, argsNode, `container ${cname} args`));
      if (isApp) {
        for (const df of defaultDockerfile()) {
          dockerfiles.add(df);
          lines.push(...imageLines(image(df), { entrypoint: !!cmdNode, cmd: !!cmdNode || !!argsNode }));
        }
      }
      for (const from of y.items(y.get(c, 'envFrom'))) {
        const cm = y.str(from, 'configMapRef', 'name');
        const sec = y.str(from, 'secretRef', 'name');
        if (!envOf) continue;
        if (cm) for (const e of configMaps.get(cm)?.entries ?? []) env.push({ key: e.key, value: e.value, loc: e.loc });
        if (sec) secretSources.push({ name: sec, loc: y.loc(from) });
      }
      for (const e of y.items(y.get(c, 'env'))) {
        const key = y.str(e, 'name');
        if (!key || !envOf) continue;
        const loc = y.loc(e);
        const secret = y.str(e, 'valueFrom', 'secretKeyRef', 'name');
        const cmRef = y.get(e, 'valueFrom', 'configMapKeyRef');
        if (secret) env.push({ key, secret, loc });
        else if (cmRef) {
          const hit = configMaps.get(y.str(cmRef, 'name') ?? '')?.entries.find((x) => x.key === y.str(cmRef, 'key'));
          env.push({ key, value: hit?.value, loc: hit?.loc ?? loc });
        } else if (y.pair(e, 'value')) env.push({ key, value: y.str(e, 'value') ?? '', loc });
      }
      for (const m of y.items(y.get(c, 'volumeMounts'))) {
        const vname = y.str(m, 'name') ?? '';
        const v = volumes.get(vname);
        mounts.push({ path: y.str(m, 'mountPath') ?? '', volume: vname, kind: v?.kind ?? 'other', loc: y.loc(m), decidedBy: v?.decidedBy ?? v?.loc });
      }
    }
    const hpa = hpas.find((h) => h.name === p.name && (!h.kind || h.kind === p.kind));
    const loc = y.keyLoc(y.get(p.node, 'metadata'), 'name') ?? y.loc(p.node);
    let rep: Workload['replicas'] =
      p.kind === 'DaemonSet'
        ? { max: Infinity, loc: y.keyLoc(p.node, 'kind')!, note: 'one pod per node (DaemonSet)' }
        : replicas !== undefined && replicasLoc
          ? { max: replicas, loc: replicasLoc, note: `replicas: ${replicas}` }
          : { max: 1, loc, note: 'replicas not set (1)' };
    if (hpa && hpa.max > (rep.max ?? 0)) rep = { max: hpa.max, loc: hpa.loc, note: `HorizontalPodAutoscaler maxReplicas: ${hpa.max}` };
    const labels = Object.fromEntries(y.entries(y.get(p.template, 'metadata', 'labels')).map((e) => [e.key, y.str(e.value) ?? '']));
    const id = existing ? `${p.kind}/${p.name} (${y.f.file})` : `${p.kind}/${p.name}`;
    workloads.push({
      id,
      name: p.name,
      kind: p.kind,
      platform: 'kubernetes',
      file: y.f.file,
      loc,
      replicas: rep,
      dev: DEV_FILE.test(y.f.file),
      scheduled: p.kind === 'CronJob',
      app,
      web: ports && lines.some((l) => l.runtime && WEB_PROCESS.test(l.text)),
      lines,
      mounts,
      env,
      secretSources,
      labels,
      dockerfiles: [...dockerfiles],
    });
  }

  const matches = (selector: Record<string, string>, w: Workload) => Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => w.labels[k] === v);
  const serviceTargets = new Map<string, string[]>();
  for (const s of services) {
    const { y } = s;
    const selector = Object.fromEntries(y.entries(y.get(s.node, 'spec', 'selector')).map((e) => [e.key, y.str(e.value) ?? '']));
    const targets = workloads.filter((w) => w.platform === 'kubernetes' && matches(selector, w));
    for (const w of targets) if (!w.scheduled) w.web = true;
    serviceTargets.set(s.name, targets.map((w) => w.id));
    if (y.str(s.node, 'spec', 'sessionAffinity') === 'ClientIP') {
      affinities.push({ kind: `Service ${s.name} sessionAffinity: ClientIP`, loc: y.keyLoc(y.get(s.node, 'spec'), 'sessionAffinity')!, targets: targets.map((w) => w.id) });
    }
    const ann = y.get(s.node, 'metadata', 'annotations');
    for (const e of y.entries(ann)) {
      if (/^traefik\.ingress\.kubernetes\.io\/service\.sticky\.cookie$/.test(e.key) && y.str(e.value) === 'true') {
        affinities.push({ kind: `Traefik sticky cookie on Service ${s.name}`, loc: y.loc(e.pair.key), targets: targets.map((w) => w.id) });
      }
    }
  }
  for (const ing of ingresses) {
    const { y } = ing;
    const backends = new Set<string>();
    const collect = (b: unknown) => {
      const n = y.str(b, 'service', 'name') ?? y.str(b, 'serviceName');
      if (n) backends.add(n);
    };
    collect(y.get(ing.node, 'spec', 'defaultBackend'));
    for (const r of y.items(y.get(ing.node, 'spec', 'rules'))) for (const p of y.items(y.get(r, 'http', 'paths'))) collect(y.get(p, 'backend'));
    const targets = [...backends].flatMap((b) => serviceTargets.get(b) ?? []);
    for (const e of y.entries(y.get(ing.node, 'metadata', 'annotations'))) {
      const v = y.str(e.value) ?? '';
      const sticky =
        (e.key === 'nginx.ingress.kubernetes.io/affinity' && v === 'cookie') ||
        (e.key === 'alb.ingress.kubernetes.io/target-group-attributes' && /stickiness\.enabled=true/.test(v)) ||
        (e.key === 'traefik.ingress.kubernetes.io/service.sticky.cookie' && v === 'true');
      if (sticky) affinities.push({ kind: `Ingress ${y.str(ing.node, 'metadata', 'name') ?? ''} ${e.key}: ${v}`, loc: y.loc(e.pair.key), targets });
    }
  }
}

// ---------------------------------------------------------------- Compose

function readCompose(
  fs: ProjectFs,
  f: YamlFile,
  workloads: Workload[],
  affinities: Affinity[],
  image: (file: string, context?: string) => ImageInfo | undefined,
  envFiles: Map<string, EnvFile>,
  errors: FileError[],
): void {
  const dir = path.posix.dirname(f.file) === '.' ? '' : path.posix.dirname(f.file);
  const join = (p: string) => path.posix.normalize(dir ? `${dir}/${p}` : p).replace(/^\.\//, '') || '.';
  // Compose interpolates ${VAR} from the .env file next to it.
  const dotenv = fs.exists(join('.env')) === 'file' ? fs.read(join('.env')) : undefined;
  const hostEnv = dotenv?.ok ? parseEnvFile(join('.env'), dotenv.text).entries : new Map();
  /** undefined when the value comes from the shell that runs compose (not knowable here). */
  const interpolate = (v: string): string | undefined => {
    let unknown = false;
    const out = v.replace(/\$\{([A-Za-z_]\w*)(?:(:?[-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, def: string | undefined) => {
      const set = hostEnv.get(name)?.value;
      if (op?.startsWith(':') ? set : set !== undefined) return set ?? '';
      if (op && op.endsWith('-')) return def ?? '';
      unknown = true;
      return '';
    });
    return unknown ? undefined : out;
  };
  for (const d of f.docs) {
    const y = new Y(f, d.doc);
    const topVolumes = y.get(d.root, 'volumes');
    const services = y.entries(y.get(d.root, 'services'));
    const buildImages = new Set(services.filter((s) => y.pair(s.value, 'build')).map((s) => y.str(s.value, 'image')).filter(Boolean));
    for (const s of services) {
      const svc = s.value;
      const img = y.str(svc, 'image');
      const build = y.get(svc, 'build');
      let dockerfile: string | undefined;
      let context: string | undefined;
      if (build) {
        context = join(y.str(build) ?? y.str(build, 'context') ?? '.');
        if (context === '.') context = '';
        const df = y.str(build, 'dockerfile') ?? 'Dockerfile';
        dockerfile = path.posix.normalize(context ? `${context}/${df}` : df);
        if (fs.exists(dockerfile) !== 'file') {
          errors.push({ file: f.file, message: `service ${s.key}: build Dockerfile ${dockerfile} not found; its image was not read` });
          dockerfile = undefined;
        }
      }
      const app = !!build || (!!img && (buildImages.has(img) || !THIRD_PARTY.test(img)));
      const lines: ProcessLine[] = [];
      const cmdNode = y.get(svc, 'command');
      const epNode = y.get(svc, 'entrypoint');
      if (epNode) lines.push(...scalarLines(y, epNode, `service ${s.key} entrypoint`));
      if (cmdNode) lines.push(...scalarLines(y, cmdNode, `service ${s.key} command`));
      const img2 = dockerfile ? image(dockerfile, context) : undefined;
      lines.push(...imageLines(img2, { entrypoint: !!epNode, cmd: !!cmdNode || !!epNode }));
      const env: EnvVar[] = [];
      const envFileNodes = y.get(svc, 'env_file');
      const envFileList = y.str(envFileNodes) ? [envFileNodes] : y.items(envFileNodes);
      for (const n of envFileList) {
        const p = join(y.str(n) ?? y.str(n, 'path') ?? '');
        const r = fs.exists(p) === 'file' ? fs.read(p) : undefined;
        if (!r?.ok) continue;
        const parsed = parseEnvFile(p, r.text);
        envFiles.set(p, parsed);
        for (const e of parsed.entries.values()) env.push({ key: e.key, value: e.value, loc: parsed.lines.lineLocation(p, e.line) });
      }
      const envNode = y.get(svc, 'environment');
      for (const e of y.entries(envNode)) {
        const v = y.str(e.value);
        if (v === undefined) continue; // passed through from the host: unknown here
        env.push({ key: e.key, value: interpolate(v), loc: y.loc(e.pair.key) });
      }
      for (const item of y.items(envNode)) {
        const t = y.str(item) ?? '';
        const m = /^([A-Za-z_][\w.]*)=(.*)$/.exec(t);
        if (m) env.push({ key: m[1], value: interpolate(m[2]), loc: y.loc(item) });
      }
      const mounts: Mount[] = [];
      for (const v of y.items(y.get(svc, 'volumes'))) {
        const short = y.str(v);
        let source: string | undefined;
        let target: string | undefined;
        if (short !== undefined) {
          const parts = short.split(':');
          if (parts.length === 1) target = parts[0];
          else [source, target] = parts;
        } else {
          source = y.str(v, 'source');
          target = y.str(v, 'target');
        }
        if (!target) continue;
        let kind: VolumeKind = 'named-volume';
        if (!source) kind = 'emptyDir';
        else if (/^[./~$]/.test(source)) kind = 'bind';
        else {
          const def = y.get(topVolumes, source);
          const driver = y.str(def, 'driver') ?? 'local';
          const type = y.str(def, 'driver_opts', 'type') ?? '';
          if (driver !== 'local' || /nfs|cifs/.test(type)) kind = 'shared';
        }
        mounts.push({ path: target, volume: source ?? '(anonymous)', kind, loc: y.loc(v) });
      }
      const replicas = y.num(svc, 'deploy', 'replicas') ?? y.num(svc, 'scale');
      const replicasLoc = y.keyLoc(y.get(svc, 'deploy'), 'replicas') ?? y.keyLoc(svc, 'scale');
      const loc = y.loc(s.pair.key);
      const labelEntries = [
        ...y.entries(y.get(svc, 'labels')).map((e) => ({ text: `${e.key}=${y.str(e.value) ?? ''}`, loc: y.loc(e.pair.key) })),
        ...y.items(y.get(svc, 'labels')).map((i) => ({ text: y.str(i) ?? '', loc: y.loc(i) })),
      ];
      const id = `compose:${s.key}`;
      for (const l of labelEntries) {
        if (/^traefik\.http\.services\.[^.]+\.loadbalancer\.sticky\.cookie(?:\.name)?=(?!false)/.test(l.text)) affinities.push({ kind: `Traefik sticky cookie on service ${s.key}`, loc: l.loc, targets: [id] });
      }
      workloads.push({
        id: workloads.some((w) => w.id === id) ? `${id} (${f.file})` : id,
        name: s.key,
        kind: 'Compose service',
        platform: 'compose',
        file: f.file,
        loc,
        replicas: replicas !== undefined && replicasLoc ? { max: replicas, loc: replicasLoc, note: `${y.pair(y.get(svc, 'deploy'), 'replicas') ? 'deploy.replicas' : 'scale'}: ${replicas}` } : { max: 1, loc, note: 'one container (no deploy.replicas)' },
        dev: DEV_FILE.test(f.file) || (!!dockerfile && DEV_FILE.test(dockerfile)),
        scheduled: false,
        app,
        web: !!y.pair(svc, 'ports') || labelEntries.some((l) => /^traefik\.enable=true/.test(l.text)) || lines.some((l) => l.runtime && WEB_PROCESS.test(l.text)),
        lines,
        mounts,
        env,
        secretSources: [],
        labels: {},
        dockerfiles: dockerfile ? [dockerfile] : [],
      });
    }
  }
}

// ---------------------------------------------------------------- Elastic Beanstalk and Procfile

function readBeanstalk(
  fs: ProjectFs,
  files: ReturnType<typeof deployFiles>,
  yaml: (f: string) => YamlFile | undefined,
  read: (f: string) => string | undefined,
  workloads: Workload[],
  affinities: Affinity[],
  defaultDockerfile: () => string[],
  image: (file: string) => ImageInfo | undefined,
): void {
  let name = 'elasticbeanstalk';
  for (const f of files.ebConfig) {
    const m = /^\s+environment:\s*([\w-]+)/m.exec(read(f) ?? '');
    if (m) name = m[1];
  }
  const id = `elasticbeanstalk:${name}`;
  const env: EnvVar[] = [];
  const lines: ProcessLine[] = [];
  let max: Workload['replicas'] | undefined;
  let single: Location | undefined;
  let first: Location | undefined;
  for (const f of files.ebextensions) {
    const y0 = yaml(f);
    if (!y0) continue;
    for (const d of y0.docs) {
      const y = new Y(y0, d.doc);
      first ??= y.loc(d.root);
      const opts = y.get(d.root, 'option_settings');
      const settings: { ns: string; option: string; value: string; loc: Location }[] = [];
      for (const ns of y.entries(opts)) for (const o of y.entries(ns.value)) settings.push({ ns: ns.key, option: o.key, value: y.str(o.value) ?? '', loc: y.loc(o.pair.key) });
      for (const item of y.items(opts)) {
        const ns = y.str(item, 'namespace');
        const option = y.str(item, 'option_name');
        if (ns && option) settings.push({ ns, option, value: y.str(item, 'value') ?? '', loc: y.loc(item) });
      }
      for (const s of settings) {
        if (s.ns === 'aws:elasticbeanstalk:application:environment') env.push({ key: s.option, value: s.value, loc: s.loc });
        else if (/^aws:elasticbeanstalk:environment:process:/.test(s.ns) && s.option === 'StickinessEnabled' && s.value === 'true') affinities.push({ kind: 'Elastic Beanstalk StickinessEnabled: true', loc: s.loc, targets: [id] });
        else if (s.ns === 'aws:elb:policies' && /^Stickiness ?Policy$/.test(s.option) && s.value === 'true') affinities.push({ kind: 'Elastic Beanstalk Stickiness Policy: true', loc: s.loc, targets: [id] });
        else if (s.ns === 'aws:autoscaling:asg' && s.option === 'MaxSize' && Number(s.value) > 0) max = { max: Number(s.value), loc: s.loc, note: `aws:autoscaling:asg MaxSize: ${s.value}` };
        else if (s.ns === 'aws:elasticbeanstalk:environment' && s.option === 'EnvironmentType' && s.value === 'SingleInstance') single = s.loc;
      }
      for (const c of y.entries(y.get(d.root, 'commands'))) lines.push(...scalarLines(y, y.get(c.value, 'command'), `.ebextensions commands ${c.key} (every instance)`));
      for (const c of y.entries(y.get(d.root, 'container_commands'))) {
        const leader = y.str(c.value, 'leader_only') === 'true';
        lines.push(...scalarLines(y, y.get(c.value, 'command'), `.ebextensions container_commands ${c.key}${leader ? ' (leader only)' : ' (every instance)'}`));
      }
      for (const fe of y.entries(y.get(d.root, 'files'))) {
        const content = y.get(fe.value, 'content');
        if (content) lines.push(...scalarLines(y, content, `.ebextensions file ${fe.key} (every instance)`).filter((l) => /artisan|node|cron|\*/.test(l.text)));
      }
    }
  }
  for (const h of files.platformHooks) {
    const text = read(h);
    if (text === undefined) continue;
    const idx = new LineIndex(text);
    for (let l = 1; l <= idx.lineCount; l++) {
      const t = idx.lineText(l);
      if (t.trim() && !/^\s*#/.test(t)) lines.push({ text: t, loc: idx.lineLocation(h, l), source: `${h} (every instance)`, runtime: true });
    }
  }
  for (const p of files.procfiles.filter((p) => !p.includes('/'))) {
    const text = read(p) ?? '';
    const idx = new LineIndex(text);
    for (let l = 1; l <= idx.lineCount; l++) if (/^\s*\w+\s*:/.test(idx.lineText(l))) lines.push({ text: idx.lineText(l), loc: idx.lineLocation(p, l), source: `${p} (every instance)`, runtime: true });
  }
  const dockerfiles = defaultDockerfile();
  for (const df of dockerfiles) lines.push(...imageLines(image(df), { entrypoint: false, cmd: false }));
  const loc = first ?? { file: files.ebextensions[0] ?? files.platformHooks[0], line: 1, column: 1, endLine: 1, endColumn: 1 };
  void fs;
  workloads.push({
    id,
    name,
    kind: 'Elastic Beanstalk environment',
    platform: 'elasticbeanstalk',
    file: loc.file,
    loc,
    dev: false,
    replicas: single ? { max: 1, loc: single, note: 'EnvironmentType: SingleInstance' } : (max ?? { max: 4, loc, note: 'load-balanced environment (Elastic Beanstalk default MaxSize 4)' }),
    scheduled: false,
    app: true,
    web: true,
    lines,
    mounts: [],
    env,
    secretSources: [],
    labels: {},
    dockerfiles,
  });
}

function readProcfile(file: string, text: string | undefined, workloads: Workload[]): void {
  if (text === undefined) return;
  const idx = new LineIndex(text);
  for (let l = 1; l <= idx.lineCount; l++) {
    const m = /^\s*([\w-]+)\s*:\s*(.+)$/.exec(idx.lineText(l));
    if (!m) continue;
    const loc = idx.lineLocation(file, l);
    workloads.push({
      id: `procfile:${m[1]}`,
      name: m[1],
      kind: 'Procfile process',
      platform: 'procfile',
      file,
      loc,
      dev: false,
      replicas: { max: undefined, loc, note: 'scaled outside the repository' },
      scheduled: false,
      app: true,
      web: m[1] === 'web',
      lines: [{ text: idx.lineText(l), loc, source: `${file} ${m[1]}`, runtime: true }],
      mounts: [],
      env: [],
      secretSources: [],
      labels: {},
      dockerfiles: [],
    });
  }
}
