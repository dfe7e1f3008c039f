import type { ts as T } from 'ts-morph';
import path from 'node:path';
import type { ProjectFs } from '../../project/fs.js';
import { joinPath, readJson, resolveFile, type NodePackage } from './packages.js';
import { PARSE_OPTIONS, parseProjectFile, ts } from './tsapi.js';

/**
 * The server's code: every file reached from the package's entries through `import`, `export ... from`,
 * `require()` and `import()` (CJS and ESM), TS path aliases (tsconfig `paths`/`baseUrl`, with
 * `extends`), workspace packages, and `require()` of computed-but-constant paths
 * (`path.join(__dirname, 'routes')`, `'./routes/' + name` over a folder). Front-end bundles,
 * tests, scripts and build output are not reached and so not audited.
 * Imports are listed with the compiler's scanner (`ts.preProcessFile`), not a full parse; only files
 * with a computed `require()` are parsed.
 */

const TEST_FILE = /(?:^|\/)(?:__tests__|__mocks__|test|tests|e2e|spec)\/|\.(?:test|spec|e2e-spec)\.[cm]?[jt]sx?$/;

export interface Resolver {
  resolve(from: string, spec: string): string | undefined;
}

interface Aliases {
  base: string | undefined;
  paths: [prefix: string, suffix: string, targets: string[]][];
}

function tsconfigAliases(fs: ProjectFs, dir: string): Aliases | undefined {
  let file = joinPath(dir, 'tsconfig.json');
  let baseUrl: string | undefined;
  let paths: Record<string, string[]> | undefined;
  let pathsBase = dir;
  for (let hops = 0; hops < 5 && file; hops++) {
    const cfg = readJson(fs, file);
    if (!cfg) break;
    const here = path.posix.dirname(file);
    const co = cfg.compilerOptions ?? {};
    if (baseUrl === undefined && typeof co.baseUrl === 'string') baseUrl = joinPath(here, co.baseUrl);
    if (!paths && co.paths && typeof co.paths === 'object') {
      paths = co.paths;
      pathsBase = typeof co.baseUrl === 'string' ? joinPath(here, co.baseUrl) : here;
    }
    const ext = typeof cfg.extends === 'string' && cfg.extends.startsWith('.') ? joinPath(here, cfg.extends) : undefined;
    file = ext ? (ext.endsWith('.json') ? ext : `${ext}.json`) : '';
  }
  if (baseUrl === undefined && !paths) return undefined;
  const base = paths ? (baseUrl ?? pathsBase) : (baseUrl ?? dir);
  return {
    base: baseUrl,
    paths: Object.entries(paths ?? {}).map(([k, v]) => {
      const star = k.indexOf('*');
      return [star < 0 ? k : k.slice(0, star), star < 0 ? '' : k.slice(star + 1), (v ?? []).map((t) => joinPath(base, t))] as [string, string, string[]];
    }),
  };
}

export function makeResolver(fs: ProjectFs, workspaces: Map<string, { root: string; main?: string }>): Resolver {
  const aliasCache = new Map<string, Aliases | undefined>();
  const nearest = new Map<string, Aliases | undefined>();
  const aliasesFor = (file: string) => {
    const start = path.posix.dirname(file);
    if (!nearest.has(start)) nearest.set(start, nearestAliases(start));
    return nearest.get(start);
  };
  const nearestAliases = (from: string) => {
    // the nearest tsconfig.json above the file
    let dir = from;
    for (;;) {
      const d = dir === '.' ? '' : dir;
      if (!aliasCache.has(d)) aliasCache.set(d, fs.exists(joinPath(d, 'tsconfig.json')) === 'file' ? tsconfigAliases(fs, d) : undefined);
      const hit = aliasCache.get(d);
      if (hit || fs.exists(joinPath(d, 'tsconfig.json')) === 'file' || !d) return hit;
      dir = path.posix.dirname(d);
    }
  };
  // Answers memoised: a large app imports the same specifiers from many files (outline: ~20,000 imports).
  const relativeHits = new Map<string, string | undefined>();
  const bareHits = new Map<Aliases | undefined, Map<string, string | undefined>>();
  const resolve = (from: string, spec: string): string | undefined => {
    if (spec.startsWith('.') || spec.startsWith('/')) {
      const key = `${path.posix.dirname(from)}\0${spec}`;
      if (!relativeHits.has(key)) relativeHits.set(key, resolveUncached(from, spec));
      return relativeHits.get(key);
    }
    if (spec.startsWith('node:')) return undefined;
    const aliases = aliasesFor(from);
    let hits = bareHits.get(aliases);
    if (!hits) bareHits.set(aliases, (hits = new Map()));
    if (!hits.has(spec)) hits.set(spec, resolveUncached(from, spec));
    return hits.get(spec);
  };
  return { resolve };

  function resolveUncached(from: string, spec: string): string | undefined {
    if (spec.startsWith('.') || spec.startsWith('/')) {
      const target = spec.startsWith('/') ? spec.slice(1) : joinPath(path.posix.dirname(from), spec);
      const hit = resolveFile(fs, target);
      if (hit) return hit;
      // build output that is not in the repository (`require('./dist/cli/run.js')` in a bin script): its source
      const built = /^(.*?)(?:^|\/)(?:dist|build|out)\/(.+)$/.exec(target);
      return built ? (resolveFile(fs, joinPath(joinPath(built[1], 'src'), built[2])) ?? resolveFile(fs, joinPath(built[1], built[2]))) : undefined;
    }
    if (spec.startsWith('node:')) return undefined;
    const aliases = aliasesFor(from);
    if (aliases) {
      for (const [prefix, suffix, targets] of aliases.paths) {
        if (!spec.startsWith(prefix) || !spec.endsWith(suffix) || spec.length < prefix.length + suffix.length) continue;
        const middle = spec.slice(prefix.length, spec.length - suffix.length);
        for (const t of targets) {
          const hit = resolveFile(fs, t.replace('*', middle));
          if (hit) return hit;
        }
      }
      if (aliases.base !== undefined) {
        const hit = resolveFile(fs, joinPath(aliases.base, spec));
        if (hit) return hit;
      }
    }
    for (const [name, ws] of workspaces) {
      if (spec !== name && !spec.startsWith(`${name}/`)) continue;
      const rest = spec.slice(name.length + 1);
      if (rest) return resolveFile(fs, joinPath(ws.root, rest)) ?? resolveFile(fs, joinPath(ws.root, 'src', rest));
      return (ws.main ? resolveFile(fs, joinPath(ws.root, ws.main.replace(/\.d\.ts$/, '.ts'))) : undefined) ?? resolveFile(fs, joinPath(ws.root, 'src/index')) ?? resolveFile(fs, joinPath(ws.root, 'index'));
    }
    return undefined;
  }
}

/** A path expression evaluated as text; `complete: false` means only a prefix is known. */
interface PathText {
  text: string;
  complete: boolean;
  /** For `${dir}/${name}/storage.js`-like templates: the constant text after the one unknown part. */
  suffix?: string;
}

/**
 * Path constants an entry puts on a global (`global.WIKI = { SERVERPATH: path.join(process.cwd(), 'server') }`,
 * `WIKI.SERVERPATH = ...`): `WIKI.SERVERPATH` -> its expression and file.
 */
type Globals = Map<string, { e: T.Expression; file: string }>;

function globalPaths(entries: string[], readText: (f: string) => string | undefined): Globals {
  const out: Globals = new Map();
  for (const file of entries) {
    const text = readText(file);
    if (!text || !/\bglobal(?:This)?\.\w+\s*=/.test(text)) continue;
    const sf = ts.createSourceFile(file, text, PARSE_OPTIONS, true, /\.tsx?$/.test(file) ? ts.ScriptKind.TS : ts.ScriptKind.JS);
    const globalNames = new Set([...text.matchAll(/\bglobal(?:This)?\.(\w+)\s*=/g)].map((m) => m[1]));
    for (const st of sf.statements) {
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) {
          const init = d.initializer && unwrapParens(d.initializer);
          if (!ts.isIdentifier(d.name) || !globalNames.has(d.name.text) || !init || !ts.isObjectLiteralExpression(init)) continue;
          for (const p of init.properties) if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name)) out.set(`${d.name.text}.${p.name.text}`, { e: p.initializer, file });
        }
      } else if (ts.isExpressionStatement(st) && ts.isBinaryExpression(st.expression) && st.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
        const left = st.expression.left.getText(sf).replace(/^global(?:This)?\./, '');
        if (/^\w+\.\w+$/.test(left) && globalNames.has(left.split('.')[0])) out.set(left, { e: st.expression.right, file });
      }
    }
  }
  return out;
}

const unwrapParens = (e: T.Expression): T.Expression => (ts.isParenthesizedExpression(e) ? unwrapParens(e.expression) : e);

function evalPath(e: T.Expression, file: string, root: string, depth = 0, globals: Globals = new Map()): PathText | undefined {
  if (depth > 8) return undefined;
  if (ts.isParenthesizedExpression(e)) return evalPath(e.expression, file, root, depth + 1, globals);
  if (ts.isPropertyAccessExpression(e)) {
    const g = globals.get(e.getText().replace(/^global(?:This)?\./, ''));
    if (g) return evalPath(g.e, g.file, root, depth + 1, globals);
  }
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return { text: e.text, complete: true };
  if (ts.isIdentifier(e)) {
    if (e.text === '__dirname') return { text: `/${path.posix.dirname(file)}`, complete: true };
    const decl = findConst(e);
    if (decl) return evalPath(decl, file, root, depth + 1, globals);
    return { text: '', complete: false };
  }
  if (ts.isPropertyAccessExpression(e) && e.getText() === 'import.meta.dirname') return { text: `/${path.posix.dirname(file)}`, complete: true };
  if (ts.isCallExpression(e)) {
    const callee = e.expression.getText();
    if (callee === 'process.cwd') return { text: `/${root}`, complete: true };
    if (/^(?:path\.)?(?:join|resolve)$/.test(callee)) {
      const parts: string[] = [];
      for (const a of e.arguments) {
        const p = evalPath(a, file, root, depth + 1, globals);
        if (!p || !p.complete) {
          if (!parts.length) return undefined;
          return { text: `${path.posix.join(...parts)}/${p?.text ?? ''}`, complete: false };
        }
        parts.push(p.text);
      }
      const joined = callee.endsWith('resolve') ? path.posix.resolve('/', ...parts) : path.posix.join(...parts);
      return { text: joined, complete: true };
    }
    return undefined;
  }
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
    const l = evalPath(e.left, file, root, depth + 1, globals);
    if (!l) return undefined;
    if (!l.complete) return l;
    const r = evalPath(e.right, file, root, depth + 1, globals);
    return { text: l.text + (r?.text ?? ''), complete: !!r?.complete };
  }
  if (ts.isTemplateExpression(e)) {
    let text = e.head.text;
    for (const s of e.templateSpans) {
      const p = evalPath(s.expression, file, root, depth + 1, globals);
      if (!p?.complete) {
        // one unknown part followed by constants (`../modules/storage/${key}/storage`): keep the tail
        const rest = e.templateSpans.slice(e.templateSpans.indexOf(s) + 1);
        const tail = rest.every((r) => evalPath(r.expression, file, root, depth + 1, globals)?.complete) ? s.literal.text + rest.map((r) => evalPath(r.expression, file, root, depth + 1, globals)!.text + r.literal.text).join('') : undefined;
        return { text: text + (p?.text ?? ''), complete: false, ...(p?.text || tail === undefined ? {} : { suffix: tail }) };
      }
      text += p.text + s.literal.text;
    }
    return { text, complete: true };
  }
  return undefined;
}

function findConst(id: T.Identifier): T.Expression | undefined {
  for (let scope: T.Node | undefined = id.parent; scope; scope = scope.parent) {
    if (!ts.isSourceFile(scope) && !ts.isBlock(scope)) continue;
    for (const st of scope.statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === id.text && d.initializer) return d.initializer;
    }
  }
  return undefined;
}

const SOURCE = /\.(?:[cm]?[jt]sx?)$/;
/** Packages that require every module of a folder (auto-load, require-all, require-dir, require-directory). */
const FOLDER_LOADERS = /^(?:autoload|requireAll|requireDir|requireDirectory)$/;

/** Source files in a folder and its subfolders, `depth` levels down. */
function sourcesUnder(fs: ProjectFs, dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const e of fs.list(dir || '.') ?? []) {
    const f = joinPath(dir, e.name);
    if (e.kind === 'file' && SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) out.push(f);
    else if (e.kind === 'dir' && depth > 1 && e.name !== 'node_modules') out.push(...sourcesUnder(fs, f, depth - 1));
  }
  return out;
}

/**
 * Module specifiers of static imports, re-exports, `require('x')` and `import('x')` (not type-only ones), by a regular
 * expression: ~10x faster than the compiler's `preProcessFile` on a large app. One inside a comment or a
 * string is taken too; it only adds an existing file to the scope. The clause before `from` is bounded, so
 * a hostile file cannot make the match quadratic.
 */
const IMPORT_SPEC = /\b(?:import|export)\s+(type\s+(?=[\w*{]))?(?:[\w*${}\s,]{1,2000}?\sfrom\s*)?['"]([^'"\n]{1,500})['"]|\b(?:require|import)\s*\(\s*(?:['"]([^'"\n]{1,500})['"]|`([^`$\n]{1,500})`)\s*\)/g;

export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  // `import type` / `export type ... from` are erased at run time (outline's server imports a type from its
  // front-end editor: following it put 345 browser files in the server's scope)
  for (const m of text.matchAll(IMPORT_SPEC)) if (!m[1]) out.push((m[2] ?? m[3] ?? m[4])!);
  return out;
}

/** Walks the import graph of one package from its entries. */
export function importGraph(fs: ProjectFs, pkg: NodePackage, resolver: Resolver, readText: (f: string) => string | undefined): { files: string[]; unresolved: string[] } {
  const seen = new Set<string>();
  const unresolved: string[] = [];
  const queue = [...pkg.entries];
  let globals: Globals | undefined;
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readText(file);
    if (text === undefined) continue;
    const next: string[] = [];
    for (const spec of importSpecifiers(text)) {
      const hit = resolver.resolve(file, spec);
      if (hit) next.push(hit);
    }
    // computed loads: `require(expr)`, `import(expr)`, templates with `${}`, folder loaders (auto-load, require-all...)
    if (/\b(?:require|import)\s*\(\s*(?:[^'"`\s)]|`[^`]*\$\{)|\b(?:autoload|requireAll|requireDir|requireDirectory)\s*\(/.test(text)) {
      globals ??= globalPaths(pkg.entries, readText);
      const sf = parseProjectFile(file, text, /\.tsx?$/.test(file) ? ts.ScriptKind.TSX : ts.ScriptKind.JSX);
      const visit = (n: T.Node): void => {
        const loader = ts.isCallExpression(n) && ts.isIdentifier(n.expression) && FOLDER_LOADERS.test(n.expression.text);
        if (ts.isCallExpression(n) && n.arguments.length && (loader || (ts.isIdentifier(n.expression) && n.expression.text === 'require') || n.expression.kind === ts.SyntaxKind.ImportKeyword) && !ts.isStringLiteral(n.arguments[0])) {
          const p = evalPath(n.arguments[0], file, pkg.root, 0, globals);
          const folderOf = (text: string) => (text.startsWith('/') ? text.slice(1) : joinPath(path.posix.dirname(file), text));
          if (!p) unresolved.push(`${file}: ${n.getText(sf).slice(0, 80)}`);
          else if (loader && p.complete) next.push(...sourcesUnder(fs, folderOf(p.text), 3));
          else if (p.complete) {
            const hit = resolver.resolve(file, p.text);
            if (hit) next.push(hit);
          } else if (p.text.includes('/')) {
            const abs = folderOf(p.text.slice(0, p.text.lastIndexOf('/')));
            if (p.suffix?.startsWith('/') && p.text.endsWith('/')) {
              // one module per folder (`../modules/storage/${key}/storage`): every folder's module
              for (const e of fs.list(abs || '.') ?? []) {
                const hit = e.kind === 'dir' ? resolveFile(fs, joinPath(joinPath(abs, e.name), p.suffix.slice(1))) : undefined;
                if (hit) next.push(hit);
              }
            } else {
              // a folder loaded file by file (`fs.readdirSync(dir).forEach(f => require(path.join(dir, f)))`)
              for (const e of fs.list(abs || '.') ?? []) if (e.kind === 'file' && SOURCE.test(e.name) && !e.name.endsWith('.d.ts')) next.push(joinPath(abs, e.name));
            }
          } else unresolved.push(`${file}: ${n.getText(sf).slice(0, 80)}`);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    for (const n of next) if (!seen.has(n) && !TEST_FILE.test(n) && !n.endsWith('.d.ts')) queue.push(n);
  }
  return { files: [...seen].sort(), unresolved };
}
