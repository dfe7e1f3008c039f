// The bundled build: dist/bundle/cli.js (and the chunks it loads on demand) holds the CLI, the engine, every ecosystem and every rule, so a
// run loads a handful of modules instead of ~200 (Node's ES module loader costs ~1 ms per file: a hook run spent more
// time loading statelint than auditing). Small pure-JavaScript dependencies (BUNDLED) go into the chunk that uses
// them, so the YAML parser still loads only with deployment manifests; the others (ts-morph, the PHP grammar,
// ioredis...) stay in node_modules, imported as before. Rules are listed here from rules/<id>/ at build time,
// so adding a rule is still adding a file. bin/statelint.js uses it only when it is newer than
// dist/src (a bare `tsc` leaves it stale, and then the per-file build runs).
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { dependencies } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
/** Pure JavaScript with no files of their own at run time: bundled into the chunk that uses them (one module to load, not dozens). */
const BUNDLED = ['commander', 'chalk', 'ignore', 'yaml'];
let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  console.error('statelint build: esbuild is not installed, so dist/bundle/ is not built (the per-file build in dist/src runs instead)');
  process.exit(0);
}

/**
 * `return undefined; // statelint:bundled-rules` in src/ecosystems/rules.ts becomes, per ecosystem, its rule
 * file names and a loader of one virtual module that imports them all (one chunk per ecosystem, loaded when
 * that ecosystem's rules are).
 */
const bundledRules = {
  name: 'bundled-rules',
  setup(build) {
    const ruleFiles = (eco) => readdirSync(path.join(root, 'rules', eco)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
    build.onResolve({ filter: /^statelint-rules:/ }, (args) => ({ path: args.path.slice('statelint-rules:'.length), namespace: 'statelint-rules' }));
    build.onLoad({ filter: /.*/, namespace: 'statelint-rules' }, (args) => {
      const files = ruleFiles(args.path);
      const imports = files.map((f, i) => `import * as r${i} from ${JSON.stringify(path.join(root, 'rules', args.path, f))};`);
      const table = files.map((f, i) => `${JSON.stringify(f.replace(/\.ts$/, '.js'))}: r${i}`);
      return { contents: `${imports.join('\n')}\nexport default { ${table.join(', ')} };\n`, loader: 'js', resolveDir: root };
    });
    build.onLoad({ filter: /[\\/]src[\\/]ecosystems[\\/]rules\.ts$/ }, async (args) => {
      const { readFile } = await import('node:fs/promises');
      const source = await readFile(args.path, 'utf8');
      const ecosystems = readdirSync(path.join(root, 'rules'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      const entries = ecosystems.map(
        (eco) => `${JSON.stringify(eco)}: { names: ${JSON.stringify(ruleFiles(eco).map((f) => f.replace(/\.ts$/, '.js')))}, load: async () => (await import(${JSON.stringify(`statelint-rules:${eco}`)})).default }`,
      );
      const marker = 'return undefined; // statelint:bundled-rules';
      if (!source.includes(marker)) throw new Error(`${args.path}: marker "${marker}" not found`);
      const outlinesMarker = 'return undefined; // statelint:bundled-rule-outlines';
      if (!source.includes(outlinesMarker)) throw new Error(`${args.path}: marker "${outlinesMarker}" not found`);
      // The outlines are data (~30 KB) in the start-up graph: a dynamic import of their own chunk cost a hook run an
      // extra round of the ES module loader (~5-8 ms), more than parsing them at start-up.
      const outlineImports = ecosystems.map((eco, i) => `import outlines${i} from ${JSON.stringify(`statelint-rule-outlines:${eco}`)};`);
      const outlineTable = ecosystems.map((eco, i) => `${JSON.stringify(eco)}: outlines${i}`);
      return {
        contents: `${outlineImports.join('\n')}\n${source.replace(marker, `return { ${entries.join(', ')} };`).replace(outlinesMarker, `return { ${outlineTable.join(', ')} };`)}`,
        loader: 'ts',
      };
    });
    // An ecosystem's rule outlines as data (one small chunk): computed with outlineOf from the rules tsc just compiled.
    build.onResolve({ filter: /^statelint-rule-outlines:/ }, (args) => ({ path: args.path.slice('statelint-rule-outlines:'.length), namespace: 'statelint-rule-outlines' }));
    build.onLoad({ filter: /.*/, namespace: 'statelint-rule-outlines' }, async (args) => {
      const { outlineOf } = await import(pathToFileURL(path.join(root, 'dist/src/engine/rule.js')).href);
      const items = [];
      for (const f of ruleFiles(args.path)) {
        const source = path.join(root, 'rules', args.path, f);
        const compiled = path.join(root, 'dist/rules', args.path, f.replace(/\.ts$/, '.js'));
        // A stale compiled rule would give a stale outline: the bundle is built right after tsc (npm run build).
        if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(source).mtimeMs) throw new Error(`${compiled} is missing or older than ${source}: run tsc first (npm run build)`);
        const { meta, files } = outlineOf((await import(pathToFileURL(compiled).href)).default);
        // RegExp#source escapes slashes and line ends, so /source/flags is a valid literal.
        const screen = files ? `, files: { languages: ${JSON.stringify(files.languages)}, prefilter: ${String(files.prefilter)} }` : '';
        items.push(`{ meta: ${JSON.stringify(meta)}${screen} }`);
      }
      return { contents: `export default [\n${items.join(',\n')}\n];\n`, loader: 'js', resolveDir: root };
    });
  },
};

const BANNER = "import { createRequire as __statelintRequire } from 'node:module'; const require = __statelintRequire(import.meta.url);\n";
const outdir = path.join(root, 'dist/bundle');
await rm(outdir, { recursive: true, force: true });
const { metafile } = await esbuild.build({
  entryPoints: [path.join(root, 'src/cli.ts')],
  outdir,
  // What the code loads lazily (the Laravel resolver, the Node ecosystem, live checks, --diff) stays a
  // separate chunk, so its dependencies (ts-morph, yaml, ioredis...) are still imported only on use.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // BUNDLED dependencies are compiled in (one module instead of a package resolution and its files, ~50 for yaml).
  external: Object.keys(dependencies).filter((name) => !BUNDLED.includes(name)),
  // commander is CommonJS: its require() of Node's modules needs a real require in an ES module (see BANNER).
  banner: { js: BANNER.trimEnd() },
  plugins: [bundledRules],
  logLevel: 'warning',
  metafile: true,
});

/**
 * Post-processing of the written chunks (each file Node loads costs ~0.3 ms, and a one-shot run loads ~30):
 * - Node's own modules are loaded with require(), not import: an ES import of a built-in builds a module record of
 *   all its exports (measured alone: node:fs ~3.5 ms as an import, ~0.5 ms with require; node:process ~8 ms), and
 *   a run imports a dozen of them. The module object is the same either way. esbuild writes an external import
 *   where its module sat in the chunk; the require()s go to the top, after the chunk's imports, as imports are
 *   hoisted (a plugin turning built-ins into CommonJS modules made more chunks and ran slower).
 * - The banner that makes `require` is kept only in chunks that use it (createRequire costs ~0.25 ms a chunk).
 * - A chunk left with no code (esbuild writes one for modules of types only) is not imported.
 */
const BUILTIN_IMPORT = /^import\s+(?:(\w+)|\*\s+as\s+(\w+)|\{([^};]*)\})\s+from\s+"(node:[a-z_/]+)";\n/gm;
const HEADER = /^(?:import\s[^;]*;\n|\n)*/;
const files = readdirSync(outdir).filter((f) => f.endsWith('.js'));
const texts = new Map(files.map((f) => [f, readFileSync(path.join(outdir, f), 'utf8')]));
for (const [file, text] of texts) {
  if (!text.startsWith(BANNER)) throw new Error(`${file}: the banner is not its first line`);
  const requires = [];
  const body = text.slice(BANNER.length).replace(BUILTIN_IMPORT, (_line, def, ns, named, spec) => {
    const bindings = named === undefined ? (def ?? ns) : `{ ${named.split(',').map((b) => b.trim()).filter(Boolean).map((b) => b.replace(/\s+as\s+/, ': ')).join(', ')} }`;
    requires.push(`const ${bindings} = require(${JSON.stringify(spec)});\n`);
    return '';
  });
  // Exactly the import statements esbuild wrote for built-ins were rewritten (never a line of a template literal).
  const written = metafile.outputs[path.relative(root, path.join(outdir, file)).split(path.sep).join('/')].imports.filter((i) => i.external && i.kind === 'import-statement' && i.path.startsWith('node:'));
  if (written.length !== requires.length) throw new Error(`${file}: ${requires.length} built-in imports rewritten, esbuild wrote ${written.length}`);
  const header = HEADER.exec(body)[0];
  const rewritten = header + requires.join('') + body.slice(header.length);
  texts.set(file, /\brequire\b/.test(rewritten) ? BANNER + rewritten : rewritten);
}
const empty = [...texts].filter(([, t]) => t.trim() === '').map(([f]) => f);
for (const [file, text] of texts) {
  const kept = empty.reduce((t, e) => t.split(`import "./${e}";\n`).join(''), text);
  const still = empty.find((e) => kept.includes(`./${e}`));
  if (still) throw new Error(`${file} still names the empty chunk ${still}`);
  if (empty.includes(file)) rmSync(path.join(outdir, file));
  else writeFileSync(path.join(outdir, file), kept);
}
