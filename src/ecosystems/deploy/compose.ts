import path from 'node:path';
import { parseEnvFile } from '../../project/env-files.js';
import { addAffinity, imageLines, scalarLines, THIRD_PARTY, type ReadContext, type Ref } from './common.js';
import { DEV_FILE, WEB_PROCESS, type EnvVar, type Mount, type ProcessLine, type VolumeKind } from './model.js';
import { Y, type YamlFile } from './yaml.js';

/**
 * Compose files read as Compose reads them: `compose.yaml` + `compose.override.yaml` are one stack, a
 * `docker-compose.prod.yml` whose services all exist in the base and that cannot run alone (a service without image
 * or build, here or in the base) is `-f base -f prod` (merged over the base),
 * any other file is a stack of its own. A service is a list of layers (extends first, then each file); merged
 * values keep the line of the layer that decides them (docs/ARCHITECTURE.md, "Ecosystems").
 */

const BASE = /^(?:docker-)?compose\.ya?ml$/i;
const OVERRIDE = /^(?:docker-)?compose\.override\.ya?ml$/i;

interface Stack {
  /** Files in merge order. */
  files: YamlFile[];
  /** The file that names the stack (its workloads' file): the base, or the `-f` file merged over it. */
  main: string;
  /** The default stack of its folder (base + override): ids `compose:<service>`. */
  primary: boolean;
}

const dirOf = (f: string) => (path.posix.dirname(f) === '.' ? '' : path.posix.dirname(f));
const joinIn = (dir: string, p: string) => path.posix.normalize(dir ? `${dir}/${p}` : p).replace(/^\.\//, '') || '.';

function servicesOf(f: YamlFile): Map<string, Ref> {
  const out = new Map<string, Ref>();
  for (const d of f.docs) {
    const y = new Y(f, d.doc);
    for (const s of y.entries(y.get(d.root, 'services'))) out.set(s.key, { y, node: s.pair });
  }
  return out;
}

/** Groups the Compose files of the project into stacks. */
function stacks(ctx: ReadContext, files: string[]): Stack[] {
  const out: Stack[] = [];
  const byDir = new Map<string, string[]>();
  for (const f of files) byDir.set(dirOf(f), [...(byDir.get(dirOf(f)) ?? []), f]);
  for (const list of byDir.values()) {
    const parsed = new Map(list.map((f) => [f, ctx.yaml(f)] as const).filter((e): e is [string, YamlFile] => !!e[1]));
    const bases = list.filter((f) => BASE.test(path.posix.basename(f)) && parsed.has(f));
    const overrides = list.filter((f) => OVERRIDE.test(path.posix.basename(f)) && parsed.has(f));
    const used = new Set<string>();
    for (const b of bases) {
      // compose.override.yaml goes with compose.yaml, docker-compose.override.yml with docker-compose.yml.
      const prefix = path.posix.basename(b).replace(/\.ya?ml$/i, '');
      const ov = overrides.find((o) => path.posix.basename(o).startsWith(`${prefix}.override.`)) ?? (bases.length === 1 ? overrides[0] : undefined);
      if (ov) used.add(ov);
      out.push({ files: [parsed.get(b)!, ...(ov ? [parsed.get(ov)!] : [])], main: b, primary: true });
    }
    for (const f of list) {
      if (!parsed.has(f) || bases.includes(f) || used.has(f)) continue;
      const own = [...servicesOf(parsed.get(f)!).keys()];
      // `-f docker-compose.yml -f docker-compose.prod.yml`: a file that only names services of the base adds to it.
      // It must also complete something: a service here or in the base with neither image nor build cannot run alone
      // (a self-contained docker-compose.minimal.yaml naming the same services is a stack of its own).
      const mine = servicesOf(parsed.get(f)!);
      const runnable = (r: Ref | undefined) => !!r && !!(r.y.pair((r.node as { value?: unknown }).value, 'image') || r.y.pair((r.node as { value?: unknown }).value, 'build'));
      const base = bases.find((b) => {
        const names = servicesOf(parsed.get(b)!);
        return own.length > 0 && own.every((n) => names.has(n)) && own.some((n) => !runnable(mine.get(n)) || !runnable(names.get(n)));
      });
      out.push({ files: base ? [parsed.get(base)!, parsed.get(f)!] : [parsed.get(f)!], main: f, primary: false });
    }
  }
  return out;
}

/** A service's layers: what it extends (recursively), then its own definition in each file of the stack. */
function layersOf(ctx: ReadContext, stack: Stack, name: string): Ref[] {
  const layers: Ref[] = [];
  for (const f of stack.files) {
    const own = servicesOf(f).get(name);
    if (own) layers.push(...withExtends(ctx, own, 0));
  }
  return layers;
}

function withExtends(ctx: ReadContext, own: Ref, depth: number): Ref[] {
  const { y } = own;
  const svc = (own.node as { value?: unknown }).value;
  const ext = y.get(svc, 'extends');
  if (!ext || depth > 5) return [own];
  const target = y.str(ext) ?? y.str(ext, 'service');
  const file = y.str(ext, 'file');
  let from: Ref | undefined;
  if (target && !file) from = servicesOf(y.f).get(target);
  else if (target && file) {
    const p = joinIn(dirOf(y.f.file), file);
    const other = ctx.fs.exists(p) === 'file' ? ctx.yaml(p) : undefined;
    if (!other) ctx.errors.push({ file: y.f.file, message: `extends: ${file} not found; service ${target} was not merged` });
    else from = servicesOf(other).get(target);
  }
  return from && from.node !== own.node ? [...withExtends(ctx, from, depth + 1), own] : [own];
}

export function readCompose(ctx: ReadContext, files: string[]): void {
  for (const stack of stacks(ctx, files)) readStack(ctx, stack);
}

function readStack(ctx: ReadContext, stack: Stack): void {
  const { fs } = ctx;
  const baseDir = dirOf(stack.files[0].file);
  // Compose interpolates ${VAR} from the .env file of the project folder (the first file's).
  const dotenvPath = joinIn(baseDir, '.env');
  const dotenv = fs.exists(dotenvPath) === 'file' ? fs.read(dotenvPath) : undefined;
  const hostEnv = dotenv?.ok ? parseEnvFile(dotenvPath, dotenv.text).entries : new Map();
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
  const topVolume = (name: string): Ref | undefined => {
    for (const f of [...stack.files].reverse()) {
      for (const d of f.docs) {
        const y = new Y(f, d.doc);
        const def = y.pair(y.get(d.root, 'volumes'), name);
        if (def) return { y, node: def.value };
      }
    }
    return undefined;
  };
  const names = [...new Set(stack.files.flatMap((f) => [...servicesOf(f).keys()]))];
  const buildImages = new Set<string>();
  const layersByName = new Map(names.map((n) => [n, layersOf(ctx, stack, n)] as const));
  for (const layers of layersByName.values()) {
    const svcs = layers.map((l) => ({ y: l.y, node: (l.node as { value?: unknown }).value }));
    if (svcs.some((l) => l.y.pair(l.node, 'build'))) for (const l of svcs) if (l.y.str(l.node, 'image')) buildImages.add(l.y.str(l.node, 'image')!);
  }
  const multiFile = stack.files.length > 1 && !stack.primary;
  for (const [name, layers] of layersByName) {
    if (!layers.length) continue;
    const svcs = layers.map((l) => ({ y: l.y, node: (l.node as { value?: unknown }).value }));
    /** The last layer that sets the key: Compose replaces scalars and commands. */
    const last = (key: string) => [...svcs].reverse().find((l) => l.y.pair(l.node, key));
    const imgRef = last('image');
    const img = imgRef?.y.str(imgRef.node, 'image');
    const buildRef = last('build');
    let dockerfile: string | undefined;
    let context: string | undefined;
    if (buildRef) {
      const { y } = buildRef;
      const build = y.get(buildRef.node, 'build');
      context = joinIn(dirOf(y.f.file), y.str(build) ?? y.str(build, 'context') ?? '.');
      if (context === '.') context = '';
      const df = y.str(build, 'dockerfile') ?? 'Dockerfile';
      dockerfile = path.posix.normalize(context ? `${context}/${df}` : df);
      if (fs.exists(dockerfile) !== 'file') {
        ctx.errors.push({ file: y.f.file, message: `service ${name}: build Dockerfile ${dockerfile} not found; its image was not read` });
        dockerfile = undefined;
      }
    }
    const app = !!buildRef || (!!img && (buildImages.has(img) || !THIRD_PARTY.test(img)));
    // An app image the stack pulls instead of building (ghcr.io/vendor/app): built from the repository's Dockerfile,
    // as for Kubernetes manifests (the root one, else the only app one).
    if (!dockerfile && !buildRef && app && img && !/\$\{/.test(img.split('/')[0]) && !DEV_FILE.test(stack.main)) [dockerfile] = ctx.defaultDockerfile();
    const lines: ProcessLine[] = [];
    const epRef = last('entrypoint');
    const cmdRef = last('command');
    if (epRef) lines.push(...scalarLines(epRef.y, epRef.y.get(epRef.node, 'entrypoint'), `service ${name} entrypoint`));
    if (cmdRef) lines.push(...scalarLines(cmdRef.y, cmdRef.y.get(cmdRef.node, 'command'), `service ${name} command`));
    lines.push(...imageLines(dockerfile ? ctx.image(dockerfile, context) : undefined, { entrypoint: !!epRef, cmd: !!cmdRef || !!epRef }));

    // env_file lines first (every layer's, in order), then `environment:` (maps merged by key, later wins).
    const env: EnvVar[] = [];
    for (const { y, node } of svcs) {
      const n = y.get(node, 'env_file');
      for (const item of y.str(n) ? [n] : y.items(n)) {
        const p = joinIn(dirOf(y.f.file), y.str(item) ?? y.str(item, 'path') ?? '');
        const r = fs.exists(p) === 'file' ? fs.read(p) : undefined;
        if (!r?.ok) continue;
        const parsed = parseEnvFile(p, r.text);
        ctx.envFiles.set(p, parsed);
        for (const e of parsed.entries.values()) env.push({ key: e.key, value: e.value, loc: parsed.lines.lineLocation(p, e.line) });
      }
    }
    for (const { y, node } of svcs) {
      const envNode = y.get(node, 'environment');
      for (const e of y.entries(envNode)) {
        const v = y.str(e.value);
        if (v === undefined) continue; // passed through from the host: unknown here
        env.push({ key: e.key, value: interpolate(v), loc: y.loc(e.pair.key) });
      }
      for (const item of y.items(envNode)) {
        const m = /^([A-Za-z_][\w.]*)=(.*)$/.exec(y.str(item) ?? '');
        if (m) env.push({ key: m[1], value: interpolate(m[2]), loc: y.loc(item) });
      }
    }

    // Volumes merge by container path: a later layer's mount at the same target replaces the earlier one.
    const byTarget = new Map<string, Mount>();
    for (const { y, node } of svcs) {
      for (const v of y.items(y.get(node, 'volumes'))) {
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
          const def = topVolume(source);
          const driver = def ? (def.y.str(def.node, 'driver') ?? 'local') : 'local';
          const type = def ? (def.y.str(def.node, 'driver_opts', 'type') ?? '') : '';
          if (driver !== 'local' || /nfs|cifs/.test(type)) kind = 'shared';
        }
        byTarget.set(target.replace(/\/+$/, ''), { path: target, volume: source ?? '(anonymous)', kind, loc: y.loc(v) });
      }
    }

    const repLayer = [...svcs].reverse().find((l) => l.y.num(l.node, 'deploy', 'replicas') !== undefined || l.y.num(l.node, 'scale') !== undefined);
    const mainLayer = [...layers].reverse().find((l) => l.y.f.file === stack.main) ?? layers[layers.length - 1];
    const loc = mainLayer.y.loc((mainLayer.node as { key?: unknown }).key);
    let replicas: { max: number | undefined; loc: typeof loc; note: string } = { max: 1, loc, note: 'one container (no deploy.replicas)' };
    if (repLayer) {
      const { y, node } = repLayer;
      const dep = y.num(node, 'deploy', 'replicas');
      const at = dep !== undefined ? y.keyLoc(y.get(node, 'deploy'), 'replicas') : y.keyLoc(node, 'scale');
      if (at) replicas = { max: dep ?? y.num(node, 'scale'), loc: at, note: `${dep !== undefined ? 'deploy.replicas' : 'scale'}: ${dep ?? y.num(node, 'scale')}` };
    }
    const labels = new Map<string, { text: string; loc: typeof loc }>();
    for (const { y, node } of svcs) {
      for (const e of y.entries(y.get(node, 'labels'))) labels.set(e.key, { text: `${e.key}=${y.str(e.value) ?? ''}`, loc: y.loc(e.pair.key) });
      for (const i of y.items(y.get(node, 'labels'))) {
        const t = y.str(i) ?? '';
        labels.set(t.split('=')[0], { text: t, loc: y.loc(i) });
      }
    }
    const base = `compose:${name}`;
    const id = multiFile || ctx.workloads.some((w) => w.id === base) ? `${base} (${stack.main})` : base;
    for (const l of labels.values()) {
      if (/^traefik\.http\.services\.[^.]+\.loadbalancer\.sticky\.cookie(?:\.name)?=(?!false)/.test(l.text)) addAffinity(ctx.affinities, { kind: `Traefik sticky cookie on service ${name}`, loc: l.loc, targets: [id] });
    }
    ctx.workloads.push({
      id,
      name,
      kind: 'Compose service',
      platform: 'compose',
      file: stack.main,
      loc,
      replicas,
      dev: DEV_FILE.test(stack.main) || (!!dockerfile && DEV_FILE.test(dockerfile)),
      scheduled: false,
      app,
      web: svcs.some((l) => !!l.y.pair(l.node, 'ports')) || [...labels.values()].some((l) => /^traefik\.enable=true/.test(l.text)) || lines.some((l) => l.runtime && WEB_PROCESS.test(l.text)),
      lines,
      mounts: [...byTarget.values()],
      env,
      secretSources: [],
      labels: {},
      dockerfiles: dockerfile ? [dockerfile] : [],
      scope: stack.files.map((f) => f.file).join(' + '),
    });
  }
}
