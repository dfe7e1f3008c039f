import type { ts as T } from 'ts-morph';
import path from 'node:path';
import type { FileError } from '../../engine/finding.js';
import { scalar, unknown, type Val } from '../../engine/values.js';
import { EnvironmentView, parseEnvFile, type EnvFile } from '../../project/env-files.js';
import { toProjectPath, type ProjectFs } from '../../project/fs.js';
import type { ReadResult } from '../../project/read-source.js';
import type { LoadOptions } from '../types.js';
import type { NodeFacts, ServerPackage } from './facts.js';
import { importGraph, makeResolver } from './graph.js';
import { cachingFs, joinPath, readJson, serverPackages, takeDetected, workspacePackages } from './packages.js';
import { clearParsedTrees, loadTs, parseProjectFile, scriptKindOf, ts } from './tsapi.js';

export interface NodeProject extends NodeFacts {
  errors: FileError[];
  /** Every read of the load (server files for the import graph), by project path. */
  reads: ReadonlyMap<string, ReadResult>;
  envFileList: string[];
  configFiles: string[];
}

/** Loads the Node server packages of a project: import graphs, env files, the `config` package. */
export async function loadNodeProject(diskFs: ProjectFs, options: LoadOptions): Promise<NodeProject> {
  await loadTs();
  clearParsedTrees();
  // the detection of this audit already listed the package folders and read their package.json files
  const pre = takeDetected(diskFs);
  const fs = pre?.fs ?? cachingFs(diskFs);
  const errors: FileError[] = [];
  const reads = new Map<string, ReadResult>();
  const readText = (f: string) => {
    let r = reads.get(f);
    if (!r) reads.set(f, (r = fs.read(f)));
    return r.ok ? r.text : undefined;
  };
  const found = pre?.packages ?? serverPackages(fs);
  const workspaces = workspacePackages(fs);
  const resolver = makeResolver(fs, workspaces);
  const envFileCache = new Map<string, EnvFile | undefined>();
  const envFile = (f: string): EnvFile | undefined => {
    if (!envFileCache.has(f)) {
      const r = fs.read(f);
      if (!r.ok && !/missing|ENOENT/.test(r.reason) && fs.exists(f)) errors.push({ file: f, message: `env file not read: ${r.reason}` });
      envFileCache.set(f, r.ok ? parseEnvFile(f, r.text) : undefined);
    }
    return envFileCache.get(f);
  };
  const userEnv = options.envFiles?.map((f) => toProjectPath(fs, f));
  const packages: ServerPackage[] = [];
  const views = new Map<string, EnvironmentView>();
  for (const pkg of found) {
    const { files, unresolved } = importGraph(fs, pkg, resolver, readText);
    let envFiles: string[];
    if (userEnv) envFiles = userEnv;
    else {
      // The start script's --env-file is what production loads; otherwise .env, else .env.example (as for Laravel).
      const named = pkg.scriptEnvFiles.filter((f) => fs.exists(f) === 'file');
      const own = [joinPath(pkg.root, '.env'), joinPath(pkg.root, '.env.example')].find((f) => fs.exists(f) === 'file');
      const top = pkg.root && fs.exists('.env') === 'file' ? ['.env'] : [];
      envFiles = named.length ? named : [...top, ...(own ? [own] : [])];
    }
    envFiles = [...new Set(envFiles)];
    packages.push({ ...pkg, files, envFiles, unresolvedLoads: unresolved });
    views.set(pkg.root, new EnvironmentView(envFiles.map(envFile).filter((f): f is EnvFile => !!f), options.env ?? {}));
  }
  if (!packages.length) {
    // --ecosystem node on a folder with no server package: say so, never a silent "no findings".
    errors.push({ file: 'package.json', message: 'no Node server package found (a server framework in dependencies and a server entry): no Node code was audited' });
  }
  const owner = new Map<string, ServerPackage>();
  for (const p of packages) for (const f of p.files) if (!owner.has(f)) owner.set(f, p);
  const fallbackPackage = (file: string) => packages.find((p) => !p.root || file.startsWith(`${p.root}/`));
  const packageOf = (file: string) => owner.get(file) ?? fallbackPackage(file);

  const parsed = new Map<string, T.SourceFile | undefined>();
  const paths = new WeakMap<T.SourceFile, string>();
  const sourceFile = (file: string) => {
    if (!parsed.has(file)) {
      const text = readText(file);
      const sf = text === undefined ? undefined : parseProjectFile(file, text, scriptKindOf(file));
      if (sf) paths.set(sf, file);
      parsed.set(file, sf);
    }
    return parsed.get(file);
  };

  const configs = new Map<string, ConfigPackage>();
  const configOf = (pkg: ServerPackage) => {
    if (!configs.has(pkg.root)) configs.set(pkg.root, loadConfigPackage(fs, pkg, views.get(pkg.root)!, errors));
    return configs.get(pkg.root)!;
  };

  const project: NodeProject = {
    packages,
    serverFiles: new Set(owner.keys()),
    packageOf,
    env: (file) => {
      const p = packageOf(file);
      return p ? views.get(p.root) : undefined;
    },
    dependsOn: (file, module) => !!packageOf(file)?.dependencies.includes(module),
    sourceFile,
    pathOf: (sf) => paths.get(sf) ?? sf.fileName,
    register: (sf, file) => {
      paths.set(sf, file);
    },
    resolveImport: (from, spec) => resolver.resolve(from, spec),
    configValue: (file, key) => {
      const p = packageOf(file);
      return p && p.dependencies.includes('config') ? configOf(p).get(key) : undefined;
    },
    textOf: readText,
    reads,
    prismaSchemas: packages.flatMap((p) => prismaSchemas(fs, p)),
    errors,
    envFileList: [...new Set(packages.flatMap((p) => p.envFiles))],
    configFiles: [],
  };
  project.configFiles = [...project.envFileList, ...packages.flatMap((p) => (p.dependencies.includes('config') ? CONFIG_NAMES.map((n) => joinPath(p.root, 'config', n)) : []))];
  return project;
}

const CONFIG_NAMES = ['default.json', 'production.json', 'custom-environment-variables.json'];

interface ConfigPackage {
  get(key: string): Val | undefined;
}

/**
 * node-config as production reads it (NODE_ENV=production unless an env file says otherwise):
 * config/default.json, then config/<NODE_ENV>.json, then custom-environment-variables.json mapping
 * keys to variables. JSON files only; other formats make the value unknown.
 */
function loadConfigPackage(fs: ProjectFs, pkg: ServerPackage, env: EnvironmentView, errors: FileError[]): ConfigPackage {
  const dir = joinPath(pkg.root, env.get('NODE_CONFIG_DIR')?.value ?? 'config');
  const nodeEnv = env.get('NODE_ENV')?.value ?? 'production';
  const layers: { file: string; data: any; text: string }[] = [];
  let otherFormats = false;
  for (const name of ['default', nodeEnv, 'local', `local-${nodeEnv}`]) {
    const file = joinPath(dir, `${name}.json`);
    if (fs.exists(file) === 'file') {
      const r = fs.read(file);
      try {
        if (r.ok) layers.push({ file, data: JSON.parse(r.text), text: r.text });
      } catch (e) {
        errors.push({ file, message: `not valid JSON: ${(e as Error).message}` });
      }
    } else if (['.js', '.ts', '.yml', '.yaml', '.json5', '.cjs'].some((x) => fs.exists(joinPath(dir, `${name}${x}`)) === 'file')) otherFormats = true;
  }
  const cev = readJson(fs, joinPath(dir, 'custom-environment-variables.json'));
  const lineOf = (text: string, key: string) => {
    const i = text.search(new RegExp(`"${key.split('.').pop()!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"\\s*:`));
    return i < 0 ? 1 : text.slice(0, i).split('\n').length;
  };
  const dig = (obj: any, key: string) => key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), obj);
  return {
    get(key) {
      const envName = dig(cev, key);
      const name = typeof envName === 'string' ? envName : typeof envName?.__name === 'string' ? envName.__name : undefined;
      if (name) {
        const e = env.get(name);
        if (e) return scalar(e.value, { file: e.file, line: e.line, column: 1, endLine: e.line, endColumn: 1, note: EnvironmentView.display(e), fromEnv: true });
      }
      for (let i = layers.length - 1; i >= 0; i--) {
        const v = dig(layers[i].data, key);
        if (v === undefined) continue;
        const line = lineOf(layers[i].text, key);
        const origin = { file: layers[i].file, line, column: 1, endLine: line, endColumn: 1, note: `${key} in ${path.posix.basename(layers[i].file)}` };
        if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) return scalar(v, origin);
        return unknown(`${key} is an object`, origin);
      }
      if (otherFormats) return unknown(`config files in ${dir} are not JSON`, { file: dir, line: 0, column: 0, endLine: 0, endColumn: 0, note: 'config' });
      return undefined;
    },
  };
}

/** schema.prisma of a package that uses Prisma (package.json "prisma.schema", prisma/schema.prisma, schema.prisma). */
function prismaSchemas(fs: ProjectFs, pkg: ServerPackage): { file: string; text: string }[] {
  if (!pkg.dependencies.some((d) => d === '@prisma/client' || d === 'prisma')) return [];
  const declared = readJson(fs, joinPath(pkg.root, 'package.json'))?.prisma?.schema;
  const candidates = [...(typeof declared === 'string' ? [joinPath(pkg.root, declared)] : []), joinPath(pkg.root, 'prisma/schema.prisma'), joinPath(pkg.root, 'schema.prisma')];
  for (const dir of [joinPath(pkg.root, 'prisma/schema')]) for (const e of fs.list(dir) ?? []) if (e.kind === 'file' && e.name.endsWith('.prisma')) candidates.push(joinPath(dir, e.name));
  const out: { file: string; text: string }[] = [];
  for (const f of [...new Set(candidates)]) {
    const r = fs.exists(f) === 'file' ? fs.read(f) : undefined;
    if (r?.ok) out.push({ file: f, text: r.text });
  }
  return out;
}
