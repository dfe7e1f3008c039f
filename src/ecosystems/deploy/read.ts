import type { FileError } from '../../engine/finding.js';
import { LineIndex, type Location } from '../../lang/source-text.js';
import { type EnvFile } from '../../project/env-files.js';
import type { ProjectFs } from '../../project/fs.js';
import { imageLines, scalarLines, type ReadContext } from './common.js';
import { readCompose } from './compose.js';
import { readDockerfile, type ImageInfo } from './dockerfile.js';
import { readHelm } from './helm.js';
import { readKubernetes } from './kubernetes.js';
import { deployFiles } from './files.js';
import { CONFIG_CACHE, type Affinity, type DeployFacts, type EnvVar, type ProcessLine, type Workload } from './model.js';
import { parseYamlFile, Y, type YamlFile } from './yaml.js';

export interface ReadResult {
  facts: DeployFacts;
  errors: FileError[];
  /** Texts of manifest files, for the environment (EnvFile needs the text for line positions). */
  texts: Map<string, string>;
  /** Env files Compose `env_file:` names, parsed. */
  envFiles: Map<string, EnvFile>;
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
  // Parsed once: kustomize builds read a base once per overlay.
  const parsed = new Map<string, YamlFile | undefined>();
  const yaml = (file: string): YamlFile | undefined => {
    if (parsed.has(file)) return parsed.get(file);
    const text = read(file);
    const y = text === undefined ? undefined : parseYamlFile(file, text);
    if (y?.error) errors.push({ file, message: y.error });
    parsed.set(file, y);
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
  const ctx: ReadContext = { fs, errors, envFiles, read, yaml, image, defaultDockerfile, workloads, affinities };

  const { used } = readKubernetes(ctx, files.kubernetes, files.kustomizations);
  readHelm(ctx, files.helmCharts, files.helmValues);
  readCompose(ctx, files.compose);
  if (files.ebextensions.length || files.platformHooks.length) readBeanstalk(fs, files, yaml, read, workloads, affinities, defaultDockerfile, image);
  else for (const f of files.procfiles) readProcfile(f, read(f), workloads);

  for (const img of images.values()) configCache.push(...img.lines.filter((l) => CONFIG_CACHE.test(l.text)));
  for (const w of workloads) configCache.push(...w.lines.filter((l) => CONFIG_CACHE.test(l.text)));
  return {
    facts: {
      files: [...new Set([...files.kubernetes, ...files.kustomizations, ...used, ...files.helmValues, ...files.compose, ...files.dockerfiles, ...files.procfiles, ...files.ebextensions, ...files.platformHooks])],
      workloads,
      affinities,
      dockerfiles: [...new Map([...images.values()].map((i) => [i.file, i])).values()],
      helmValues: files.helmValues,
      kustomizations: files.kustomizations,
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
