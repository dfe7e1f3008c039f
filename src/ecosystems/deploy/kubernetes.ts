import path from 'node:path';
import type { Location } from '../../lang/source-text.js';
import { parseEnvFile } from '../../project/env-files.js';
import { addAffinity, imageLines, scalarLines, stickyAnnotation, THIRD_PARTY, type ReadContext, type Ref } from './common.js';
import { DEV_FILE, WEB_PROCESS, type EnvVar, type Mount, type ProcessLine, type VolumeKind, type Workload } from './model.js';
import { isScalar, parseYamlFile, Y, type YamlFile } from './yaml.js';

/**
 * Kubernetes manifests, plain or through kustomize (docs/ARCHITECTURE.md, "Ecosystems"). Resources are read into
 * views whose every field keeps the node (and file) it came from; kustomize patches replace fields of a view, so a
 * finding points at the patch line that decides the value. Kustomize itself is never run.
 */

interface ConfigMapData {
  /** In order; a later entry of the same key wins (a merge patch or generator). */
  entries: { key: string; value: string; loc: Location }[];
}

interface ContainerView {
  name: string;
  /** An init container (JSON patch paths count `containers` without them). */
  init: boolean;
  image?: Ref;
  command?: Ref;
  args?: Ref;
  ports: boolean;
  envFrom: Ref[];
  /** By variable name: a patch replaces the entry of the same name. */
  env: Map<string, Ref>;
  /** By mount path. */
  mounts: Map<string, Ref>;
}

type ReplicasView = { max: number; loc: Location; note: string };

interface PodView {
  kind: string;
  name: string;
  file: string;
  loc: Location;
  kindLoc: Location;
  replicas?: ReplicasView;
  containers: ContainerView[];
  volumes: Map<string, Ref>;
  claimTemplates: Ref[];
  labels: Record<string, string>;
}

interface Scope {
  configMaps: Map<string, ConfigMapData>;
  claims: Map<string, { kind: VolumeKind; loc: Location }>;
  hpas: { self: string; kind: string; name: string; max: number; loc: Location }[];
  services: { name: string; refs: Ref[] }[];
  ingresses: { name: string; refs: Ref[] }[];
  pods: PodView[];
}

const POD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'CronJob', 'Job', 'Pod']);

const emptyScope = (): Scope => ({ configMaps: new Map(), claims: new Map(), hpas: [], services: [], ingresses: [], pods: [] });

function templateOf(y: Y, root: unknown, kind: string): unknown {
  if (kind === 'CronJob') return y.get(root, 'spec', 'jobTemplate', 'spec', 'template');
  if (kind === 'Pod') return root;
  return y.get(root, 'spec', 'template');
}

function containerView(y: Y, c: unknown, init = false): ContainerView {
  const ref = (n: unknown): Ref | undefined => (n ? { y, node: n } : undefined);
  const env = new Map<string, Ref>();
  for (const e of y.items(y.get(c, 'env'))) {
    const key = y.str(e, 'name');
    if (key) env.set(key, { y, node: e });
  }
  const mounts = new Map<string, Ref>();
  for (const m of y.items(y.get(c, 'volumeMounts'))) mounts.set(y.str(m, 'mountPath') ?? '', { y, node: m });
  return {
    name: y.str(c, 'name') ?? y.str(c, 'image') ?? '',
    init,
    image: y.str(c, 'image') ? ref(y.get(c, 'image')) : undefined,
    command: ref(y.get(c, 'command')),
    args: ref(y.get(c, 'args')),
    ports: !!y.pair(c, 'ports'),
    envFrom: y.items(y.get(c, 'envFrom')).map((n) => ({ y, node: n })),
    env,
    mounts,
  };
}

function containersOf(y: Y, template: unknown): ContainerView[] {
  const spec = y.get(template, 'spec');
  return [...y.items(y.get(spec, 'initContainers')).map((c) => containerView(y, c, true)), ...y.items(y.get(spec, 'containers')).map((c) => containerView(y, c))];
}

function replicasOf(y: Y, spec: unknown, note = ''): ReplicasView | undefined {
  const n = y.num(spec, 'replicas');
  const loc = y.keyLoc(spec, 'replicas');
  return n !== undefined && loc ? { max: n, loc, note: `replicas: ${n}${note}` } : undefined;
}

function podView(y: Y, root: unknown, kind: string, name: string): PodView {
  const spec = kind === 'Pod' ? root : y.get(root, 'spec');
  const template = templateOf(y, root, kind);
  const volumes = new Map<string, Ref>();
  for (const v of y.items(y.get(y.get(template, 'spec'), 'volumes'))) volumes.set(y.str(v, 'name') ?? '', { y, node: v });
  return {
    kind,
    name,
    file: y.f.file,
    loc: y.keyLoc(y.get(root, 'metadata'), 'name') ?? y.loc(root),
    kindLoc: y.keyLoc(root, 'kind') ?? y.loc(root),
    replicas: kind === 'Pod' ? undefined : replicasOf(y, spec),
    containers: containersOf(y, template),
    volumes,
    claimTemplates: y.items(y.get(spec, 'volumeClaimTemplates')).map((n) => ({ y, node: n })),
    labels: Object.fromEntries(y.entries(y.get(template, 'metadata', 'labels')).map((e) => [e.key, y.str(e.value) ?? ''])),
  };
}

function claimKind(y: Y, spec: unknown): VolumeKind {
  const modes = y.items(y.get(spec, 'accessModes')).map((m) => y.str(m));
  return modes.includes('ReadWriteMany') ? 'claim-rwx' : modes.length ? 'claim-rwo' : 'claim-unknown';
}

/** A pod document that only patches another (no container names an image): a kustomize patch file. */
function isPatchLike(view: PodView): boolean {
  return !view.containers.length || view.containers.every((c) => !c.image);
}

/** Reads one resource document into the scope. */
function collect(scope: Scope, y: Y, root: unknown): void {
  const kind = y.str(root, 'kind');
  const name = y.str(root, 'metadata', 'name') ?? '(unnamed)';
  if (!kind) return;
  if (kind === 'ConfigMap') {
    scope.configMaps.set(name, { entries: y.entries(y.get(root, 'data')).map((e) => ({ key: e.key, value: y.str(e.value) ?? '', loc: y.loc(e.pair.key) })) });
  } else if (kind === 'PersistentVolumeClaim') {
    const spec = y.get(root, 'spec');
    scope.claims.set(name, { kind: claimKind(y, spec), loc: y.keyLoc(spec, 'accessModes') ?? y.loc(root) });
  } else if (kind === 'HorizontalPodAutoscaler') {
    const max = y.num(root, 'spec', 'maxReplicas');
    const target = y.get(root, 'spec', 'scaleTargetRef');
    if (max !== undefined) scope.hpas.push({ self: name, kind: y.str(target, 'kind') ?? '', name: y.str(target, 'name') ?? '', max, loc: y.keyLoc(y.get(root, 'spec'), 'maxReplicas')! });
  } else if (kind === 'Service') scope.services.push({ name, refs: [{ y, node: root }] });
  else if (kind === 'Ingress') scope.ingresses.push({ name, refs: [{ y, node: root }] });
  else if (POD_KINDS.has(kind)) scope.pods.push(podView(y, root, kind, name));
  // Secrets are never read: their data is not looked at.
}

/** A strategic-merge patch: fields of the target are replaced by the patch's (lists merged by name or path). */
function patch(scope: Scope, y: Y, root: unknown, target?: { kind?: string; name?: string }): void {
  const kind = target?.kind ?? y.str(root, 'kind');
  const name = target?.name ?? y.str(root, 'metadata', 'name');
  if (!kind || !name) return;
  if (POD_KINDS.has(kind)) {
    const pod = scope.pods.find((p) => p.kind === kind && p.name === name);
    if (!pod) return;
    const view = podView(y, root, kind, name);
    if (view.replicas) pod.replicas = { ...view.replicas, note: `${view.replicas.note} (patch ${y.f.file})` };
    for (const c of view.containers) {
      const base = pod.containers.find((b) => b.name === c.name && b.init === c.init);
      if (!base) {
        if (c.image) pod.containers.push(c);
        continue;
      }
      if (c.image) base.image = c.image;
      if (c.command) base.command = c.command;
      if (c.args) base.args = c.args;
      base.ports ||= c.ports;
      base.envFrom.push(...c.envFrom);
      for (const [k, v] of c.env) base.env.set(k, v);
      for (const [k, v] of c.mounts) base.mounts.set(k, v);
    }
    for (const [k, v] of view.volumes) pod.volumes.set(k, v);
    if (view.claimTemplates.length) pod.claimTemplates = view.claimTemplates;
    Object.assign(pod.labels, view.labels);
  } else if (kind === 'ConfigMap') {
    const cm = scope.configMaps.get(name);
    const entries = y.entries(y.get(root, 'data')).map((e) => ({ key: e.key, value: y.str(e.value) ?? '', loc: y.loc(e.pair.key) }));
    if (cm) cm.entries.push(...entries);
  } else if (kind === 'PersistentVolumeClaim') {
    const spec = y.get(root, 'spec');
    if (scope.claims.has(name) && y.pair(spec, 'accessModes')) scope.claims.set(name, { kind: claimKind(y, spec), loc: y.keyLoc(spec, 'accessModes')! });
  } else if (kind === 'HorizontalPodAutoscaler') {
    const hpa = scope.hpas.find((h) => h.self === name);
    const max = y.num(root, 'spec', 'maxReplicas');
    if (hpa && max !== undefined) Object.assign(hpa, { max, loc: y.keyLoc(y.get(root, 'spec'), 'maxReplicas')! });
  } else if (kind === 'Service') scope.services.find((s) => s.name === name)?.refs.push({ y, node: root });
  else if (kind === 'Ingress') scope.ingresses.find((s) => s.name === name)?.refs.push({ y, node: root });
}

/** JSON 6902 operations: only replicas and container env are followed (other paths are left alone). */
function json6902(scope: Scope, y: Y, ops: unknown, target: { kind?: string; name?: string }): void {
  const pod = scope.pods.find((p) => p.kind === target.kind && p.name === target.name);
  if (!pod) return;
  for (const op of y.items(ops)) {
    const verb = y.str(op, 'op');
    const p = y.str(op, 'path') ?? '';
    if (verb !== 'add' && verb !== 'replace') continue;
    const valueLoc = y.keyLoc(op, 'value') ?? y.loc(op);
    if (p === '/spec/replicas') {
      const n = y.num(op, 'value');
      if (n !== undefined) pod.replicas = { max: n, loc: valueLoc, note: `replicas: ${n} (JSON patch ${y.f.file})` };
      continue;
    }
    const m = /^\/spec\/template\/spec\/containers\/(\d+)\/env(?:\/(?:-|\d+))?$/.exec(p);
    const c = m ? pod.containers.filter((x) => !x.init)[Number(m[1])] : undefined;
    if (!c) continue;
    const value = y.get(op, 'value');
    const items = y.items(value).length ? y.items(value) : [value];
    for (const e of items) {
      const key = y.str(e, 'name');
      if (key) c.env.set(key, { y, node: e });
    }
  }
}

/** A literal block scalar (`patch: |-`) read as YAML at its own lines: every other character becomes a space. */
function inlineYaml(y: Y, node: unknown): YamlFile | undefined {
  const n = y.deref(node);
  if (!isScalar(n) || typeof n.value !== 'string' || !n.range || !/^BLOCK_/.test(String(n.type))) return undefined;
  const text = y.f.text;
  const start = text.indexOf('\n', n.range[0]) + 1;
  const end = n.range[1];
  if (start <= 0 || end <= start) return undefined;
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return parseYamlFile(y.f.file, blank(text.slice(0, start)) + text.slice(start, end) + blank(text.slice(end)));
}

// ---------------------------------------------------------------- kustomize

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const REMOTE = /^(?:https?:|git@|ssh:|github\.com\/|gitlab\.com\/)|\?ref=|\/\/.*\.git/;

interface Kustomize {
  ctx: ReadContext;
  /** Every file a kustomization uses (resources, patches, generators): not read again as loose manifests. */
  used: Set<string>;
}

function kustomizationIn(ctx: ReadContext, dir: string): string | undefined {
  return KUSTOMIZATION_NAMES.map((n) => (dir ? `${dir}/${n}` : n)).find((f) => ctx.fs.exists(f) === 'file');
}

/** The directories a kustomization builds on (bases, components, resources that are folders). */
function references(k: Kustomize, file: string): { dirs: string[]; files: string[] } {
  const y0 = k.ctx.yaml(file);
  const out = { dirs: [] as string[], files: [] as string[] };
  const d = y0?.docs[0];
  if (!y0 || !d) return out;
  const y = new Y(y0, d.doc);
  const dir = path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file);
  for (const key of ['resources', 'bases', 'components']) {
    for (const item of y.items(y.get(d.root, key))) {
      const rel = y.str(item);
      if (!rel || REMOTE.test(rel)) continue;
      const p = path.posix.normalize(dir ? `${dir}/${rel}` : rel).replace(/\/$/, '');
      if (p.startsWith('..')) continue;
      const kind = k.ctx.fs.exists(p);
      if (kind === 'dir') out.dirs.push(p);
      else if (kind === 'file') out.files.push(p);
    }
  }
  return out;
}

/** Builds a kustomization: its bases (fresh, patched by their own kustomization), its resources, then its patches. */
function build(k: Kustomize, file: string, depth: number, seen: Set<string>): Scope {
  const scope = emptyScope();
  if (depth > 8 || seen.has(file)) return scope;
  seen = new Set([...seen, file]);
  k.used.add(file);
  const y0 = k.ctx.yaml(file);
  const d = y0?.docs[0];
  if (!y0 || !d) return scope;
  const y = new Y(y0, d.doc);
  const dir = path.posix.dirname(file) === '.' ? '' : path.posix.dirname(file);
  const join = (rel: string) => path.posix.normalize(dir ? `${dir}/${rel}` : rel);
  const refs = references(k, file);
  for (const sub of refs.dirs) {
    const kf = kustomizationIn(k.ctx, sub);
    if (!kf) continue;
    const s = build(k, kf, depth + 1, seen);
    for (const [n, cm] of s.configMaps) scope.configMaps.set(n, cm);
    for (const [n, c] of s.claims) scope.claims.set(n, c);
    scope.hpas.push(...s.hpas);
    scope.services.push(...s.services);
    scope.ingresses.push(...s.ingresses);
    scope.pods.push(...s.pods);
  }
  for (const f of refs.files) {
    k.used.add(f);
    const ry = k.ctx.yaml(f);
    for (const rd of ry?.docs ?? []) collect(scope, new Y(ry!, rd.doc), rd.root);
  }

  // configMapGenerator: literals (located in the kustomization) and env files (located at their lines).
  for (const g of y.items(y.get(d.root, 'configMapGenerator'))) {
    const name = y.str(g, 'name');
    if (!name) continue;
    const entries: ConfigMapData['entries'] = [];
    for (const lit of y.items(y.get(g, 'literals'))) {
      const m = /^([^=]+)=(.*)$/s.exec(y.str(lit) ?? '');
      if (m) entries.push({ key: m[1].trim(), value: m[2].replace(/^"(.*)"$|^'(.*)'$/, '$1$2'), loc: y.loc(lit) });
    }
    const envs = [...y.items(y.get(g, 'envs')), ...(y.get(g, 'env') ? [y.get(g, 'env')] : [])];
    for (const e of envs) {
      const p = join(y.str(e) ?? '');
      const text = k.ctx.fs.exists(p) === 'file' ? k.ctx.read(p) : undefined;
      if (text === undefined) continue;
      k.used.add(p);
      const parsed = parseEnvFile(p, text);
      k.ctx.envFiles.set(p, parsed);
      for (const en of parsed.entries.values()) entries.push({ key: en.key, value: en.value, loc: parsed.lines.lineLocation(p, en.line) });
    }
    const existing = scope.configMaps.get(name);
    if (existing && y.str(g, 'behavior') === 'merge') existing.entries.push(...entries);
    else scope.configMaps.set(name, { entries });
  }

  const target = (t: unknown) => ({ kind: y.str(t, 'kind'), name: y.str(t, 'name') });
  const patchFile = (rel: string, t?: { kind?: string; name?: string }, json?: boolean) => {
    const p = join(rel);
    if (k.ctx.fs.exists(p) !== 'file') return;
    k.used.add(p);
    const py = k.ctx.yaml(p);
    for (const pd of py?.docs ?? []) {
      const yy = new Y(py!, pd.doc);
      if (json || yy.items(pd.root).length) json6902(scope, yy, pd.root, t ?? {});
      else patch(scope, yy, pd.root, t?.kind && t.name ? t : undefined);
    }
  };
  const patchInline = (node: unknown, t?: { kind?: string; name?: string }) => {
    const iy = inlineYaml(y, node);
    for (const pd of iy?.docs ?? []) {
      const yy = new Y(iy!, pd.doc);
      if (yy.items(pd.root).length) json6902(scope, yy, pd.root, t ?? {});
      else patch(scope, yy, pd.root, t?.kind && t.name ? t : undefined);
    }
  };
  for (const item of y.items(y.get(d.root, 'patchesStrategicMerge'))) {
    const s = y.str(item);
    if (s && !s.includes('\n')) patchFile(s);
    else patchInline(item);
  }
  for (const item of y.items(y.get(d.root, 'patches'))) {
    const t = y.get(item, 'target') ? target(y.get(item, 'target')) : undefined;
    const p = y.str(item, 'path');
    if (p) patchFile(p, t);
    else if (y.get(item, 'patch')) patchInline(y.get(item, 'patch'), t);
  }
  for (const item of y.items(y.get(d.root, 'patchesJson6902'))) {
    const p = y.str(item, 'path');
    if (p) patchFile(p, target(y.get(item, 'target')), true);
  }
  for (const r of y.items(y.get(d.root, 'replicas'))) {
    const name = y.str(r, 'name');
    const count = y.num(r, 'count');
    const loc = y.keyLoc(r, 'count');
    if (!name || count === undefined || !loc) continue;
    for (const pod of scope.pods.filter((p) => p.name === name && p.kind !== 'DaemonSet')) pod.replicas = { max: count, loc, note: `replicas: ${count} (kustomization ${file})` };
  }
  return scope;
}

// ---------------------------------------------------------------- workloads

function buildWorkloads(ctx: ReadContext, scope: Scope, prefix?: string): void {
  const { workloads, affinities } = ctx;
  const mine: Workload[] = [];
  for (const p of scope.pods) {
    const volumes = new Map<string, { kind: VolumeKind; loc: Location; decidedBy?: Location }>();
    for (const [vname, { y, node: v }] of p.volumes) {
      const loc = y.loc(v);
      if (y.pair(v, 'emptyDir')) volumes.set(vname, { kind: 'emptyDir', loc, decidedBy: y.keyLoc(v, 'emptyDir') });
      else if (y.pair(v, 'hostPath')) volumes.set(vname, { kind: 'hostPath', loc, decidedBy: y.keyLoc(v, 'hostPath') });
      else if (y.pair(v, 'persistentVolumeClaim')) {
        const claim = scope.claims.get(y.str(v, 'persistentVolumeClaim', 'claimName') ?? '');
        volumes.set(vname, { kind: claim?.kind ?? 'claim-unknown', loc, decidedBy: claim?.loc });
      } else if (['nfs', 'cephfs', 'glusterfs', 'azureFile', 'csi'].some((k) => y.pair(v, k))) volumes.set(vname, { kind: 'shared', loc });
      else if (['configMap', 'secret', 'projected', 'downwardAPI'].some((k) => y.pair(v, k))) volumes.set(vname, { kind: 'config', loc });
      else volumes.set(vname, { kind: 'other', loc });
    }
    for (const { y, node: t } of p.claimTemplates) {
      const spec = y.get(t, 'spec');
      volumes.set(y.str(t, 'metadata', 'name') ?? '', { kind: claimKind(y, spec) === 'claim-rwx' ? 'claim-rwx' : 'claim-rwo', loc: y.loc(t), decidedBy: y.keyLoc(spec, 'accessModes') });
    }
    const lines: ProcessLine[] = [];
    const env: EnvVar[] = [];
    const secretSources: Workload['secretSources'] = [];
    const mounts: Mount[] = [];
    const dockerfiles = new Set<string>();
    let app = false;
    let ports = false;
    const imageOf = (c: ContainerView) => (c.image ? (c.image.y.str(c.image.node) ?? '') : '');
    const anyApp = p.containers.some((c) => !THIRD_PARTY.test(imageOf(c) || 'x'));
    for (const c of p.containers) {
      const img = imageOf(c);
      const isApp = !!img && !THIRD_PARTY.test(img);
      // The environment judged is the app containers' (a sidecar's variables are not the app's).
      const envOf = isApp || !anyApp;
      app ||= isApp;
      ports ||= c.ports;
      const cname = c.name || img;
      if (c.command) lines.push(...scalarLines(c.command.y, c.command.node, `container ${cname} command`));
      if (c.args) lines.push(...scalarLines(c.args.y, c.args.node, `container ${cname} args`));
      if (isApp) {
        for (const df of ctx.defaultDockerfile()) {
          dockerfiles.add(df);
          lines.push(...imageLines(ctx.image(df), { entrypoint: !!c.command, cmd: !!c.command || !!c.args }));
        }
      }
      if (!envOf) continue;
      for (const { y, node: from } of c.envFrom) {
        const cm = y.str(from, 'configMapRef', 'name');
        const sec = y.str(from, 'secretRef', 'name');
        if (cm) for (const e of scope.configMaps.get(cm)?.entries ?? []) env.push({ key: e.key, value: e.value, loc: e.loc });
        if (sec) secretSources.push({ name: sec, loc: y.loc(from) });
      }
      for (const [key, { y, node: e }] of c.env) {
        const loc = y.loc(e);
        const secret = y.str(e, 'valueFrom', 'secretKeyRef', 'name');
        const cmRef = y.get(e, 'valueFrom', 'configMapKeyRef');
        if (secret) env.push({ key, secret, loc });
        else if (cmRef) {
          const hit = [...(scope.configMaps.get(y.str(cmRef, 'name') ?? '')?.entries ?? [])].reverse().find((x) => x.key === y.str(cmRef, 'key'));
          env.push({ key, value: hit?.value, loc: hit?.loc ?? loc });
        } else if (y.pair(e, 'value')) env.push({ key, value: y.str(e, 'value') ?? '', loc });
      }
      for (const { y, node: m } of c.mounts.values()) {
        const vname = y.str(m, 'name') ?? '';
        const v = volumes.get(vname);
        mounts.push({ path: y.str(m, 'mountPath') ?? '', volume: vname, kind: v?.kind ?? 'other', loc: y.loc(m), decidedBy: v?.decidedBy ?? v?.loc });
      }
    }
    const hpa = scope.hpas.find((h) => h.name === p.name && (!h.kind || h.kind === p.kind));
    let rep: Workload['replicas'] =
      p.kind === 'DaemonSet' ? { max: Infinity, loc: p.kindLoc, note: 'one pod per node (DaemonSet)' } : (p.replicas ?? { max: 1, loc: p.loc, note: 'replicas not set (1)' });
    if (hpa && hpa.max > (rep.max ?? 0)) rep = { max: hpa.max, loc: hpa.loc, note: `HorizontalPodAutoscaler maxReplicas: ${hpa.max}` };
    const base = prefix ? `${prefix}/${p.kind}/${p.name}` : `${p.kind}/${p.name}`;
    const w: Workload = {
      id: [...workloads, ...mine].some((x) => x.id === base) ? `${base} (${p.file})` : base,
      name: p.name,
      kind: p.kind,
      platform: 'kubernetes',
      file: p.file,
      loc: p.loc,
      replicas: rep,
      dev: DEV_FILE.test(prefix ?? p.file),
      scheduled: p.kind === 'CronJob',
      app,
      web: ports && lines.some((l) => l.runtime && WEB_PROCESS.test(l.text)),
      lines,
      mounts,
      env,
      secretSources,
      labels: p.labels,
      dockerfiles: [...dockerfiles],
      ...(prefix ? { scope: prefix } : {}),
    };
    mine.push(w);
  }

  const matches = (selector: Record<string, string>, w: Workload) => Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => w.labels[k] === v);
  /** The last of the refs (base, then patches) that sets the path. */
  const last = (refs: Ref[], ...p: string[]) => [...refs].reverse().find((r) => r.y.get(r.node, ...p) !== null);
  const annotations = (refs: Ref[]) => {
    const out = new Map<string, { value: string; loc: Location }>();
    for (const { y, node } of refs) for (const e of y.entries(y.get(node, 'metadata', 'annotations'))) out.set(e.key, { value: y.str(e.value) ?? '', loc: y.loc(e.pair.key) });
    return out;
  };
  const serviceTargets = new Map<string, string[]>();
  for (const s of scope.services) {
    const sel = last(s.refs, 'spec', 'selector');
    const selector = sel ? Object.fromEntries(sel.y.entries(sel.y.get(sel.node, 'spec', 'selector')).map((e) => [e.key, sel.y.str(e.value) ?? ''])) : {};
    const targets = mine.filter((w) => matches(selector, w));
    for (const w of targets) if (!w.scheduled) w.web = true;
    serviceTargets.set(s.name, targets.map((w) => w.id));
    const aff = last(s.refs, 'spec', 'sessionAffinity');
    if (aff && aff.y.str(aff.node, 'spec', 'sessionAffinity') === 'ClientIP') {
      addAffinity(affinities, { kind: `Service ${s.name} sessionAffinity: ClientIP`, loc: aff.y.keyLoc(aff.y.get(aff.node, 'spec'), 'sessionAffinity')!, targets: targets.map((w) => w.id) });
    }
    for (const [key, a] of annotations(s.refs)) {
      if (key === 'traefik.ingress.kubernetes.io/service.sticky.cookie' && a.value === 'true') addAffinity(affinities, { kind: `Traefik sticky cookie on Service ${s.name}`, loc: a.loc, targets: targets.map((w) => w.id) });
    }
  }
  for (const ing of scope.ingresses) {
    const backends = new Set<string>();
    const spec = last(ing.refs, 'spec');
    if (spec) {
      const { y } = spec;
      const add = (b: unknown) => {
        const n = y.str(b, 'service', 'name') ?? y.str(b, 'serviceName');
        if (n) backends.add(n);
      };
      add(y.get(spec.node, 'spec', 'defaultBackend'));
      for (const r of y.items(y.get(spec.node, 'spec', 'rules'))) for (const p of y.items(y.get(r, 'http', 'paths'))) add(y.get(p, 'backend'));
    }
    const targets = [...backends].flatMap((b) => serviceTargets.get(b) ?? []);
    for (const [key, a] of annotations(ing.refs)) {
      if (stickyAnnotation(key, a.value)) addAffinity(affinities, { kind: `Ingress ${ing.name} ${key}: ${a.value}`, loc: a.loc, targets });
    }
  }
  workloads.push(...mine);
}

/**
 * All Kubernetes manifests: each kustomization that no other one builds on is a deployment of its own (an overlay,
 * `overlays/production/Deployment/web` when there are several or it builds on a base); files no kustomization uses
 * are read together as one deployment, where a document that only patches another (no image) is a kustomize patch
 * without its kustomization and is judged at its worst case.
 */
export function readKubernetes(ctx: ReadContext, manifests: string[], kustomizations: string[]): { used: Set<string> } {
  const k: Kustomize = { ctx, used: new Set() };
  const referenced = new Set<string>();
  const hasBase = new Map<string, boolean>();
  for (const kf of kustomizations) {
    const subs = references(k, kf).dirs.map((d) => kustomizationIn(ctx, d)).filter((x): x is string => !!x);
    hasBase.set(kf, subs.length > 0);
    for (const s of subs) referenced.add(s);
  }
  const roots = kustomizations.filter((kf) => !referenced.has(kf));
  for (const root of roots) {
    const scope = build(k, root, 0, new Set());
    const dir = path.posix.dirname(root);
    buildWorkloads(ctx, scope, roots.length > 1 || hasBase.get(root) ? (dir === '.' ? '(root)' : dir) : undefined);
  }

  const loose = emptyScope();
  const patches: { y: Y; view: PodView }[] = [];
  for (const f of manifests) {
    if (k.used.has(f)) continue;
    const y0 = ctx.yaml(f);
    for (const d of y0?.docs ?? []) {
      const y = new Y(y0!, d.doc);
      const kind = y.str(d.root, 'kind') ?? '';
      const name = y.str(d.root, 'metadata', 'name') ?? '(unnamed)';
      if (POD_KINDS.has(kind)) {
        const view = podView(y, d.root, kind, name);
        const known = loose.pods.some((p) => p.kind === kind && p.name === name) || ctx.workloads.some((w) => w.kind === kind && w.name === name);
        if (known && isPatchLike(view)) {
          patches.push({ y, view });
          continue;
        }
      }
      collect(loose, y, d.root);
    }
  }
  buildWorkloads(ctx, loose);
  // A patch without its kustomization: which overlay applies is not known, so the largest replicas count is judged.
  for (const { view } of patches) {
    if (!view.replicas) continue;
    for (const w of ctx.workloads.filter((x) => x.platform === 'kubernetes' && x.kind === view.kind && x.name === view.name)) {
      if (view.replicas.max > (w.replicas.max ?? 0)) w.replicas = { max: view.replicas.max, loc: view.replicas.loc, note: `${view.replicas.note} (patch)` };
    }
  }
  return { used: k.used };
}
