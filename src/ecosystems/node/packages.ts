import path from 'node:path';
import type { ProjectFs } from '../../project/fs.js';

/**
 * Which package.json files are Node *server* apps (docs/ARCHITECTURE.md, "Ecosystems"): a server
 * framework or runtime in `dependencies`, and a server entry (main, bin, a start/dev/serve script,
 * Nest's entry file, or a conventional server file). A package.json that only builds front-end assets
 * (a Laravel app's vite/mix, a React app) is not one. Sync and parser-free: detection runs for every
 * audit, Laravel-only ones included.
 */

/** Dependencies that make a package a server (the HTTP/WebSocket frameworks and runtimes). */
export const SERVER_FRAMEWORKS: Record<string, string> = {
  express: 'Express',
  fastify: 'Fastify',
  koa: 'Koa',
  '@nestjs/core': 'NestJS',
  '@hapi/hapi': 'hapi',
  hapi: 'hapi',
  'socket.io': 'socket.io',
  restify: 'restify',
  polka: 'polka',
  '@feathersjs/feathers': 'Feathers',
  '@hono/node-server': 'Hono',
  'apollo-server': 'Apollo Server',
  '@apollo/server': 'Apollo Server',
  ws: 'ws',
};

export interface NodePackage {
  /** Folder of the package.json ('' for the project root). */
  root: string;
  name: string;
  /** Frameworks found in dependencies (display names). */
  frameworks: string[];
  /** Every dependency name (dependencies and devDependencies). */
  dependencies: string[];
  /** Server entry files (project-relative). */
  entries: string[];
  /** Where each entry came from ("package.json main", "scripts.start"). */
  entryEvidence: string[];
  /** Env files named by scripts with --env-file (project-relative). */
  scriptEnvFiles: string[];
  /** The start script as written, for messages. */
  start?: string;
}

const SOURCE_EXT = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'];
const CONVENTIONAL = ['src/main', 'src/server', 'src/index', 'src/app', 'server/index', 'server', 'index', 'app', 'main', 'src/bin/www', 'bin/www', 'server/server'];
const WORKSPACE_GUESSES = ['apps', 'packages', 'services', 'server', 'backend', 'api'];

export function readJson(fs: ProjectFs, file: string): any {
  const read = fs.read(file);
  if (!read.ok) return undefined;
  try {
    return JSON.parse(stripJsonComments(read.text));
  } catch {
    return undefined;
  }
}

/** tsconfig.json and nest-cli.json allow comments and trailing commas. */
export function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}

// posix.join normalizes already (a second normalize was a third of the import graph's path work)
const join = (...parts: string[]) => path.posix.join(...parts.filter(Boolean)).replace(/^\.\/|^\.$/, '').replace(/\/$/, '');

/** The file a path names, trying source extensions and index files. */
export function resolveFile(fs: ProjectFs, candidate: string): string | undefined {
  const c = join(candidate);
  if (c.startsWith('..')) return undefined;
  if (fs.exists(c) === 'file' && SOURCE_EXT.some((e) => c.endsWith(e)) && !c.endsWith('.d.ts')) return c;
  const stem = c.replace(/\.(?:[cm]?js|jsx)$/, '');
  for (const ext of SOURCE_EXT) if (fs.exists(stem + ext) === 'file') return stem + ext;
  if (fs.exists(c) === 'dir') for (const ext of SOURCE_EXT) if (fs.exists(`${c}/index${ext}`) === 'file') return `${c}/index${ext}`;
  return undefined;
}

/** A built file (dist/main.js) mapped back to its source (src/main.ts) through tsconfig's outDir/rootDir. */
function sourceOf(fs: ProjectFs, root: string, file: string): string | undefined {
  const direct = resolveFile(fs, join(root, file));
  const tsconfig = readJson(fs, join(root, 'tsconfig.json')) ?? readJson(fs, join(root, 'tsconfig.build.json'));
  const outDir = join(tsconfig?.compilerOptions?.outDir ?? '');
  const rootDir = join(tsconfig?.compilerOptions?.rootDir ?? '');
  const rel = join(file);
  for (const out of [outDir, 'dist', 'build', 'lib', 'out'].filter(Boolean)) {
    if (rel === out || rel.startsWith(`${out}/`)) {
      const inner = rel.slice(out.length + 1);
      for (const src of [rootDir, 'src', ''].filter((s, i, a) => a.indexOf(s) === i)) {
        for (const cand of [join(src, inner), join(src, inner.replace(/^src\//, ''))]) {
          const hit = resolveFile(fs, join(root, cand));
          if (hit && !hit.startsWith(join(root, out) + '/')) return hit;
        }
      }
    }
  }
  return direct;
}

/** Files a script line runs with node/ts-node/tsx/nodemon/pm2 (`node --env-file .env dist/main.js`). */
function scriptTargets(script: string): { files: string[]; envFiles: string[]; nest: boolean } {
  const files: string[] = [];
  const envFiles: string[] = [];
  let nest = false;
  for (const part of script.split(/&&|\|\||;|\|/)) {
    const words = part.trim().split(/\s+/);
    const runner = words.findIndex((w) => /^(?:node|ts-node|ts-node-dev|tsx|nodemon|pm2|bun|babel-node|node-dev|esno|esr|forever|tsnd)$/.test(w) || /\/(?:node|ts-node|tsx|nodemon)$/.test(w));
    if (words[0] === 'nest' && words[1] === 'start') nest = true;
    for (let i = 0; i < words.length; i++) {
      const m = /^--env-file(?:-if-exists)?(?:=(.+))?$/.exec(words[i]);
      if (m) envFiles.push((m[1] ?? words[i + 1] ?? '').replace(/^['"]|['"]$/g, ''));
    }
    if (runner < 0) continue;
    for (let i = runner + 1; i < words.length; i++) {
      const w = words[i].replace(/^['"]|['"]$/g, '');
      if (w.startsWith('-')) {
        if (/^(?:-r|--require|--import|--loader|--env-file|-e|--exec|--watch-path|--ignore|-i|--name|--max-old-space-size)$/.test(w)) i++;
        // nodemon / ts-node-dev `--watch <path>` (directus: `ts-node-dev --watch ".env" -- src/start.ts`); node's is a switch
        else if ((w === '--watch' || w === '-w') && !/(?:^|\/)node$/.test(words[runner])) i++;
        continue;
      }
      if (w === 'start' && words[runner] === 'pm2') continue;
      if (/\.(?:[cm]?[jt]sx?)$/.test(w) || /(?:^|\/)(?:www|server|index|main|app)$/.test(w) || !/\./.test(w)) files.push(w);
      break;
    }
  }
  return { files, envFiles: envFiles.filter(Boolean), nest };
}

/** One package.json as a Node server app, or undefined when it is not one. */
export function serverPackage(fs: ProjectFs, root: string): NodePackage | undefined {
  const pkg = readJson(fs, join(root, 'package.json'));
  if (!pkg || typeof pkg !== 'object') return undefined;
  const deps = Object.keys(pkg.dependencies ?? {});
  const frameworks = [...new Set(deps.filter((d) => d in SERVER_FRAMEWORKS).map((d) => SERVER_FRAMEWORKS[d]))];
  if (!frameworks.length) return undefined;
  const entries: string[] = [];
  const entryEvidence: string[] = [];
  const add = (file: string | undefined, why: string) => {
    if (file && !entries.includes(file)) {
      entries.push(file);
      entryEvidence.push(`${why} -> ${file}`);
    }
  };
  const scripts: Record<string, string> = pkg.scripts ?? {};
  const scriptEnvFiles: string[] = [];
  for (const name of ['start', 'start:prod', 'serve', 'server', 'start:server', 'dev', 'start:dev']) {
    const s = scripts[name];
    if (typeof s !== 'string') continue;
    const t = scriptTargets(s);
    for (const f of t.files) add(sourceOf(fs, root, f), `scripts.${name}`);
    for (const e of t.envFiles) if (!scriptEnvFiles.includes(join(root, e))) scriptEnvFiles.push(join(root, e));
    if (t.nest) {
      const cli = readJson(fs, join(root, 'nest-cli.json'));
      add(resolveFile(fs, join(root, cli?.sourceRoot ?? 'src', cli?.entryFile ?? 'main')), `scripts.${name} (nest start)`);
    }
  }
  if (typeof pkg.main === 'string') add(sourceOf(fs, root, pkg.main), 'package.json main');
  const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {}).filter((b): b is string => typeof b === 'string');
  for (const b of bins) add(sourceOf(fs, root, b), 'package.json bin');
  if (deps.includes('@nestjs/core')) {
    const cli = readJson(fs, join(root, 'nest-cli.json'));
    add(resolveFile(fs, join(root, cli?.sourceRoot ?? 'src', cli?.entryFile ?? 'main')), 'Nest entry file');
  }
  if (!entries.length) for (const c of CONVENTIONAL) {
    const hit = resolveFile(fs, join(root, c));
    if (hit) {
      add(hit, 'conventional server file');
      break;
    }
  }
  if (!entries.length) return undefined;
  return {
    root,
    name: typeof pkg.name === 'string' ? pkg.name : root || '.',
    frameworks,
    dependencies: [...new Set([...deps, ...Object.keys(pkg.devDependencies ?? {})])],
    entries,
    entryEvidence,
    scriptEnvFiles,
    start: typeof scripts.start === 'string' ? scripts.start : undefined,
  };
}

/** The package folders of a project: the root, its workspaces, and the usual monorepo folders. */
export function packageFolders(fs: ProjectFs): string[] {
  const out = new Set<string>();
  if (fs.exists('package.json') === 'file') out.add('');
  const root = readJson(fs, 'package.json');
  const patterns: string[] = [...(Array.isArray(root?.workspaces) ? root.workspaces : (root?.workspaces?.packages ?? []))];
  const pnpm = fs.read('pnpm-workspace.yaml');
  if (pnpm.ok) for (const m of pnpm.text.matchAll(/^\s*-\s*['"]?([^'"\n#]+?)['"]?\s*$/gm)) patterns.push(m[1]);
  const globs = patterns.length ? patterns : WORKSPACE_GUESSES.flatMap((g) => [g, `${g}/*`]);
  for (const g of globs) {
    if (g.startsWith('!')) continue;
    for (const d of expandGlob(fs, join(g).split('/'), '', 0)) if (fs.exists(join(d, 'package.json')) === 'file') out.add(d);
  }
  return [...out].sort();
}

/**
 * Folders a workspace pattern names, segment by segment: `*` is any folder, a segment with `*` a matching
 * one, `**` any depth up to 4 (strapi's `packages/*\/*`, Ghost's `ghost/*`). node_modules and dot folders never match.
 */
function expandGlob(fs: ProjectFs, segs: string[], base: string, depth: number): string[] {
  if (!segs.length) return [base];
  const [seg, ...rest] = segs;
  if (!seg.includes('*')) return expandGlob(fs, rest, join(base, seg), depth);
  const dirs = (fs.list(base || '.') ?? []).filter((e) => e.kind === 'dir' && e.name !== 'node_modules' && !e.name.startsWith('.'));
  if (seg === '**') {
    const here = expandGlob(fs, rest, base, depth);
    return depth >= 4 ? here : [...here, ...dirs.flatMap((e) => expandGlob(fs, segs, join(base, e.name), depth + 1))];
  }
  const re = new RegExp(`^${seg.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return dirs.filter((e) => re.test(e.name)).flatMap((e) => expandGlob(fs, rest, join(base, e.name), depth));
}

export function serverPackages(fs: ProjectFs): NodePackage[] {
  return foldersOf(fs).map((d) => serverPackage(fs, d)).filter((p): p is NodePackage => !!p);
}

/** packageFolders once per caching file system (a detection or a load asks for them twice). */
const folderMemo = new WeakMap<ProjectFs, string[]>();
function foldersOf(fs: ProjectFs): string[] {
  if (!cachingOnes.has(fs)) return packageFolders(fs);
  let hit = folderMemo.get(fs);
  if (!hit) folderMemo.set(fs, (hit = packageFolders(fs)));
  return hit;
}

/**
 * What detection found, handed to the load of the same audit (same file system, nothing written between them), so
 * the load does not list and read the package folders again. Taken once: a later audit on the same file system
 * (a fix pass over an overlay) detects afresh.
 */
const detected = new WeakMap<ProjectFs, { fs: ProjectFs; packages: NodePackage[] }>();

export function detectServerPackages(fs: ProjectFs): NodePackage[] {
  const caching = cachingFs(fs);
  const packages = serverPackages(caching);
  detected.set(fs, { fs: caching, packages });
  return packages;
}

export function takeDetected(fs: ProjectFs): { fs: ProjectFs; packages: NodePackage[] } | undefined {
  const hit = detected.get(fs);
  detected.delete(fs);
  return hit;
}

/** Every package of a monorepo by name (for imports of workspace packages). */
export function workspacePackages(fs: ProjectFs): Map<string, { root: string; main?: string }> {
  const out = new Map<string, { root: string; main?: string }>();
  for (const d of foldersOf(fs)) {
    const pkg = readJson(fs, join(d, 'package.json'));
    if (typeof pkg?.name === 'string') out.set(pkg.name, { root: d, main: typeof pkg.main === 'string' ? pkg.main : typeof pkg.types === 'string' ? pkg.types : undefined });
  }
  return out;
}

export { join as joinPath, sourceOf };

/**
 * Folder listings memoised for one detection or load: resolving imports asks `exists` for every
 * candidate extension, and DiskFs answers each by listing the parent folder (it never stats through a
 * link). Reads go straight through.
 */
const cachingOnes = new WeakSet<ProjectFs>();

export function cachingFs(fs: ProjectFs): ProjectFs {
  const lists = new Map<string, Map<string, 'file' | 'dir'> | undefined>();
  const listing = (dir: string) => {
    const key = dir === '' ? '.' : dir;
    if (!lists.has(key)) {
      const entries = fs.list(key);
      lists.set(key, entries ? new Map(entries.map((e) => [e.name, e.kind])) : undefined);
    }
    return lists.get(key);
  };
  const caching: ProjectFs = {
    root: fs.root,
    read: (file, maxBytes) => fs.read(file, maxBytes),
    list: (dir) => {
      const l = listing(dir);
      return l ? [...l].map(([name, kind]) => ({ name, kind })) : undefined;
    },
    exists: (file) => {
      if (path.posix.isAbsolute(file)) return fs.exists(file);
      const slash = file.lastIndexOf('/');
      return listing(slash < 0 ? '' : file.slice(0, slash))?.get(slash < 0 ? file : file.slice(slash + 1));
    },
  };
  cachingOnes.add(caching);
  return caching;
}
