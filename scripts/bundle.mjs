// The bundled build: dist/bundle/cli.js (and the chunks it loads on demand) holds the CLI, the engine, every ecosystem and every rule, so a
// run loads a handful of modules instead of ~200 (Node's ES module loader costs ~1 ms per file: a hook run spent more
// time loading statelint than auditing). Small pure-JavaScript dependencies (BUNDLED) go into the chunk that uses
// them, so the YAML parser still loads only with deployment manifests; the others (ts-morph, the PHP grammar,
// ioredis...) stay in node_modules, imported as before. Rules are listed here from rules/<id>/ at build time,
// so adding a rule is still adding a file. bin/statelint.js uses it only when it is newer than
// dist/src (a bare `tsc` leaves it stale, and then the per-file build runs).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
      const outlineLoaders = ecosystems.map((eco) => `${JSON.stringify(eco)}: async () => (await import(${JSON.stringify(`statelint-rule-outlines:${eco}`)})).default`);
      return {
        contents: source.replace(marker, `return { ${entries.join(', ')} };`).replace(outlinesMarker, `return { ${outlineLoaders.join(', ')} };`),
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

const outdir = path.join(root, 'dist/bundle');
await rm(outdir, { recursive: true, force: true });
await esbuild.build({
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
  // commander is CommonJS: its require() of Node's modules needs a real require in an ES module.
  banner: { js: "import { createRequire as __statelintRequire } from 'node:module'; const require = __statelintRequire(import.meta.url);" },
  plugins: [bundledRules],
  logLevel: 'warning',
});
