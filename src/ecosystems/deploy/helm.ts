import path from 'node:path';
import type { Location } from '../../lang/source-text.js';
import { addAffinity, imageLines, scalarLines, stickyAnnotation, THIRD_PARTY, type ReadContext, type Ref } from './common.js';
import { DEV_FILE, WEB_PROCESS, type EnvVar, type Mount, type ProcessLine, type VolumeKind, type Workload } from './model.js';
import { isMap, isSeq, Y, type YamlFile } from './yaml.js';

/**
 * Helm charts: templates are never rendered; `values.yaml` (and each `values-*.yaml` merged over it, as
 * `helm install -f values-production.yaml` does) is read as data. Only conventional keys are read (replicaCount,
 * image, env/extraEnv, persistence, service.sessionAffinity, ingress.annotations, autoscaling, a scheduler/cron
 * component); a chart whose values have another shape stays quiet. Findings point at the values line.
 */

/** Top-level values keys that configure the pod, not a component of the app. */
const NOT_COMPONENT = new Set(['image', 'service', 'ingress', 'persistence', 'autoscaling', 'resources', 'serviceAccount', 'podSecurityContext', 'securityContext', 'nodeSelector', 'tolerations', 'affinity', 'global', 'env', 'extraEnv', 'extraEnvVars', 'envVars', 'environment', 'podAnnotations', 'podLabels', 'imagePullSecrets', 'livenessProbe', 'readinessProbe', 'startupProbe', 'metrics', 'networkPolicy', 'rbac', 'config', 'configMap', 'configmap']);
const ENV_KEYS = ['env', 'extraEnv', 'extraEnvVars', 'envVars', 'environment'];
/** Maps rendered into a ConfigMap of variables: read only when every key is spelled like one. */
const CONFIG_KEYS = ['config', 'configMap', 'configmap', 'envConfig'];
const SCHEDULER_COMPONENT = /^(?:scheduler|schedule|cron|crontab)$/i;
const CRON_EXPRESSION = /^\s*(?:@\w+|(?:\S+\s+){4}\S+)\s*$/;

interface Layered {
  layers: Ref[];
  /** The last layer that sets the path (Helm deep-merges maps, replaces everything else). */
  at(...p: string[]): Ref | undefined;
  str(...p: string[]): string | undefined;
  num(...p: string[]): number | undefined;
  keyLoc(p: string[], key: string): Location | undefined;
}

function layered(files: YamlFile[]): Layered {
  const layers: Ref[] = [];
  for (const f of files) {
    const d = f.docs[0];
    if (d && isMap(d.root)) layers.push({ y: new Y(f, d.doc), node: d.root });
  }
  const at = (...p: string[]) => {
    for (let i = layers.length - 1; i >= 0; i--) {
      const n = layers[i].y.get(layers[i].node, ...p);
      if (n !== null) return { y: layers[i].y, node: n };
    }
    return undefined;
  };
  return {
    layers,
    at,
    str: (...p) => {
      const r = at(...p);
      return r ? r.y.str(r.node) : undefined;
    },
    num: (...p) => {
      const r = at(...p);
      const v = r ? Number(r.y.str(r.node)) : NaN;
      return Number.isFinite(v) ? v : undefined;
    },
    keyLoc: (p, key) => {
      for (let i = layers.length - 1; i >= 0; i--) {
        const host = layers[i].y.get(layers[i].node, ...p);
        if (host && layers[i].y.pair(host, key)) return layers[i].y.keyLoc(host, key);
      }
      return undefined;
    },
  };
}

export function readHelm(ctx: ReadContext, charts: string[], values: string[]): void {
  for (const chart of charts) {
    const dir = path.posix.dirname(chart);
    const inDir = values.filter((v) => path.posix.dirname(v) === dir);
    if (!inDir.length) continue;
    const c0 = ctx.yaml(chart);
    const cd = c0?.docs[0];
    const cy = cd ? new Y(c0!, cd.doc) : undefined;
    const chartName = (cy && cy.str(cd!.root, 'name')) || path.posix.basename(dir);
    // Subcharts (redis, postgresql) configure themselves under their own key: not the app.
    const deps = new Set((cy ? cy.items(cy.get(cd!.root, 'dependencies')) : []).flatMap((d) => [cy!.str(d, 'name'), cy!.str(d, 'alias')]).filter((x): x is string => !!x));
    const defaults = inDir.find((v) => /^values\.ya?ml$/.test(path.posix.basename(v)));
    const dy = defaults ? ctx.yaml(defaults) : undefined;
    if (defaults && dy) readValues(ctx, chartName, deps, [dy], defaults, false);
    for (const v of inDir) {
      if (v === defaults) continue;
      const vy = ctx.yaml(v);
      if (vy) readValues(ctx, chartName, deps, dy ? [dy, vy] : [vy], v, true);
    }
  }
}

function readValues(ctx: ReadContext, chartName: string, deps: Set<string>, files: YamlFile[], main: string, overlay: boolean): void {
  const v = layered(files);
  if (!v.layers.length) return;
  const suffix = overlay ? ` (${path.posix.basename(main)})` : '';
  const mainLayer = v.layers.find((l) => l.y.f.file === main) ?? v.layers[v.layers.length - 1];
  const topKeys = [...new Set(v.layers.flatMap((l) => l.y.entries(l.node).map((e) => e.key)))];
  const rootRepo = v.str('image', 'repository') ?? (isMap(v.at('image')?.node) ? undefined : v.str('image'));
  const rootApp = rootRepo ? !THIRD_PARTY.test(rootRepo) : true;
  const components: string[][] = [];
  if (rootRepo || v.at('replicaCount')) components.push([]);
  for (const k of topKeys) {
    if (NOT_COMPONENT.has(k) || deps.has(k) || THIRD_PARTY.test(k)) continue;
    const node = v.at(k);
    if (!node || !isMap(node.y.deref(node.node))) continue;
    const named = v.at(k, 'replicaCount') || v.at(k, 'image', 'repository') || (SCHEDULER_COMPONENT.test(k) && v.at(k, 'enabled'));
    if (named) components.push([k]);
  }
  for (const p of components) {
    const key = p[0];
    if (key && v.str(key, 'enabled') === 'false') continue;
    const repo = v.str(...p, 'image', 'repository') ?? (isMap(v.at(...p, 'image')?.node) ? undefined : v.str(...p, 'image'));
    const app = repo ? !THIRD_PARTY.test(repo) : rootApp;
    const id = `helm:${chartName}${key ? `/${key}` : ''}${suffix}`;
    const keyLoc = key ? v.keyLoc([], key) : undefined;
    const loc = keyLoc ?? v.keyLoc(p, 'replicaCount') ?? mainLayer.y.loc(mainLayer.node);

    let replicas: Workload['replicas'] = { max: 1, loc, note: 'replicaCount not set (1)' };
    const count = v.num(...p, 'replicaCount');
    if (count !== undefined) replicas = { max: count, loc: v.keyLoc(p, 'replicaCount')!, note: `replicaCount: ${count}` };
    const maxReplicas = v.num(...p, 'autoscaling', 'maxReplicas');
    if (v.str(...p, 'autoscaling', 'enabled') === 'true' && maxReplicas !== undefined && maxReplicas > (replicas.max ?? 0)) {
      replicas = { max: maxReplicas, loc: v.keyLoc([...p, 'autoscaling'], 'maxReplicas')!, note: `autoscaling.maxReplicas: ${maxReplicas}` };
    }
    const schedule = v.str(...p, 'schedule');
    const scheduled = !!schedule && CRON_EXPRESSION.test(schedule);

    const lines: ProcessLine[] = [];
    const cmd = v.at(...p, 'command');
    const args = v.at(...p, 'args');
    if (cmd) lines.push(...scalarLines(cmd.y, cmd.node, `Helm values ${[...p, 'command'].join('.')}`));
    if (args) lines.push(...scalarLines(args.y, args.node, `Helm values ${[...p, 'args'].join('.')}`));
    // A scheduler component the chart starts as a long-running workload (not a CronJob schedule).
    if (key && SCHEDULER_COMPONENT.test(key) && !scheduled && !lines.some((l) => /schedule:|cron/.test(l.text))) {
      const at = v.keyLoc([key], 'enabled') ?? keyLoc;
      if (at && (v.str(key, 'enabled') ?? 'true') === 'true') lines.push({ text: `${key}.enabled: true`, loc: at, source: `Helm values ${key} (the chart runs the scheduler)`, runtime: true, scheduler: true });
    }
    const dockerfiles: string[] = [];
    if (app && repo) {
      for (const df of ctx.defaultDockerfile()) {
        dockerfiles.push(df);
        lines.push(...imageLines(ctx.image(df), { entrypoint: !!cmd, cmd: !!cmd || !!args }));
      }
    }

    const env: EnvVar[] = [];
    const secretSources: Workload['secretSources'] = [];
    const pushEnv = (y: Y, k: string, val: unknown, loc: Location) => {
      const secret = y.str(val, 'valueFrom', 'secretKeyRef', 'name');
      if (secret) env.push({ key: k, secret, loc });
      else if (isMap(y.deref(val))) {
        if (y.pair(val, 'value')) env.push({ key: k, value: y.str(val, 'value') ?? '', loc });
      } else {
        const s = y.str(val);
        // A template expression in a value is rendered by Helm: not knowable here.
        if (s !== undefined && !s.includes('{{')) env.push({ key: k, value: s, loc });
      }
    };
    for (const ek of [...CONFIG_KEYS, ...ENV_KEYS]) {
      // Lists are replaced by a later values file; maps are merged key by key.
      const lastList = [...v.layers].reverse().find((l) => isSeq(l.y.get(l.node, ...p, ek)));
      for (const l of v.layers) {
        const n = l.y.get(l.node, ...p, ek);
        if (!n) continue;
        const entries = l.y.entries(n);
        if (CONFIG_KEYS.includes(ek)) {
          if (!entries.length || !entries.every((e) => /^[A-Z][A-Z0-9_]*$/.test(e.key) && !isMap(e.value) && !isSeq(e.value))) continue;
        }
        for (const e of entries) pushEnv(l.y, e.key, e.value, l.y.loc(e.pair.key));
        if (isSeq(n) && l === lastList) {
          for (const item of l.y.items(n)) {
            const name = l.y.str(item, 'name');
            if (name) pushEnv(l.y, name, item, l.y.loc(item));
          }
        }
      }
    }
    const envFrom = v.at(...p, 'envFrom');
    if (envFrom) for (const f of envFrom.y.items(envFrom.node)) {
      const s = envFrom.y.str(f, 'secretRef', 'name');
      if (s) secretSources.push({ name: s, loc: envFrom.y.loc(f) });
    }

    const mounts: Mount[] = [];
    const persistence = v.at(...p, 'persistence');
    if (persistence && isMap(persistence.y.deref(persistence.node))) {
      const VOLUME_KEYS = ['enabled', 'accessMode', 'accessModes', 'size', 'mountPath', 'existingClaim', 'storageClass'];
      const own = VOLUME_KEYS.some((k) => v.at(...p, 'persistence', k));
      const names = own ? [[] as string[]] : [...new Set(v.layers.flatMap((l) => l.y.entries(l.y.get(l.node, ...p, 'persistence')).filter((e) => isMap(e.value)).map((e) => [e.key])))];
      for (const sub of names) {
        const vp = [...p, 'persistence', ...sub];
        if (v.str(...vp, 'enabled') === 'false') continue;
        if (!VOLUME_KEYS.some((k) => v.at(...vp, k))) continue;
        const modes = [v.str(...vp, 'accessMode'), ...(v.at(...vp, 'accessModes') ? v.at(...vp, 'accessModes')!.y.items(v.at(...vp, 'accessModes')!.node).map((m) => v.at(...vp, 'accessModes')!.y.str(m)) : [])].filter(Boolean);
        const kind: VolumeKind = modes.includes('ReadWriteMany') ? 'claim-rwx' : modes.some((m) => /^ReadWriteOnce/.test(m!)) ? 'claim-rwo' : 'claim-unknown';
        // The mount path is the template's business; read only when the values name it (mountPath or a plain key).
        const mountPath = v.str(...vp, 'mountPath') ?? v.str(...vp, 'path') ?? (sub[0] && /^(?:storage|uploads?|sessions|media|files)$/i.test(sub[0]) ? sub[0] : undefined);
        if (!mountPath) continue;
        const decidedBy = v.keyLoc(vp, modes.length && v.at(...vp, 'accessMode') ? 'accessMode' : 'accessModes');
        const mloc = v.keyLoc(vp, 'mountPath') ?? v.keyLoc(vp, 'path') ?? v.keyLoc(vp.slice(0, -1), vp[vp.length - 1]) ?? loc;
        mounts.push({ path: mountPath, volume: vp.join('.'), kind, loc: mloc, decidedBy });
      }
    }

    // `helm create` charts pass raw pod volumes and mounts through values (`volumes:`, `volumeMounts:`).
    const rawMounts = v.at(...p, 'volumeMounts');
    const rawVolumes = v.at(...p, 'volumes');
    if (rawMounts && isSeq(rawMounts.y.deref(rawMounts.node))) {
      const kinds = new Map<string, { kind: VolumeKind; loc: Location }>();
      if (rawVolumes) {
        const { y } = rawVolumes;
        for (const vol of y.items(rawVolumes.node)) {
          const kind: VolumeKind = y.pair(vol, 'emptyDir') ? 'emptyDir' : y.pair(vol, 'hostPath') ? 'hostPath' : y.pair(vol, 'persistentVolumeClaim') ? 'claim-unknown' : ['nfs', 'cephfs', 'glusterfs', 'azureFile', 'csi'].some((k) => y.pair(vol, k)) ? 'shared' : ['configMap', 'secret', 'projected', 'downwardAPI'].some((k) => y.pair(vol, k)) ? 'config' : 'other';
          kinds.set(y.str(vol, 'name') ?? '', { kind, loc: y.loc(vol) });
        }
      }
      const { y } = rawMounts;
      for (const m of y.items(rawMounts.node)) {
        const vname = y.str(m, 'name') ?? '';
        const k = kinds.get(vname);
        mounts.push({ path: y.str(m, 'mountPath') ?? '', volume: vname, kind: k?.kind ?? 'other', loc: y.loc(m), decidedBy: k?.loc });
      }
    }

    const service = v.at(...p, 'service');
    const ingressOn = v.at(...p, 'ingress') && v.str(...p, 'ingress', 'enabled') !== 'false';
    if (v.str(...p, 'service', 'sessionAffinity') === 'ClientIP') {
      addAffinity(ctx.affinities, { kind: `Helm values ${[...p, 'service', 'sessionAffinity'].join('.')}: ClientIP`, loc: v.keyLoc([...p, 'service'], 'sessionAffinity')!, targets: [id] });
    }
    if (ingressOn) {
      const ann = new Map<string, { value: string; loc: Location }>();
      for (const l of v.layers) for (const e of l.y.entries(l.y.get(l.node, ...p, 'ingress', 'annotations'))) ann.set(e.key, { value: l.y.str(e.value) ?? '', loc: l.y.loc(e.pair.key) });
      for (const [k, a] of ann) if (stickyAnnotation(k, a.value)) addAffinity(ctx.affinities, { kind: `Helm values ingress annotation ${k}: ${a.value}`, loc: a.loc, targets: [id] });
    }
    ctx.workloads.push({
      id,
      name: key ?? chartName,
      kind: 'Helm values',
      platform: 'kubernetes',
      file: main,
      loc,
      replicas,
      dev: DEV_FILE.test(path.posix.basename(main)),
      scheduled,
      app,
      web: !scheduled && (!!service || !!ingressOn || lines.some((l) => l.runtime && WEB_PROCESS.test(l.text))),
      lines,
      mounts,
      env,
      secretSources,
      labels: {},
      dockerfiles,
      scope: `helm:${chartName}${suffix}`,
      mountsUnknown: true,
    });
  }
}
