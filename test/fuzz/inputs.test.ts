import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { removeScratch, report, run, scratch } from '../hardening/support.js';

/**
 * Property test over the audit's inputs: PHP, Blade, env files and the settings file. Real files
 * from fixtures/ are mutated and truncated with a seeded PRNG (the same cases every run), and deep
 * or large inputs are generated. Each case runs the audit through the library (runAudit and every
 * formatter) in a child Node process, so a hang is killed by a timeout and peak memory is measured
 * (process.resourceUsage().maxRSS). Properties:
 * - never a crash: runAudit and the formatters return; a settings file is accepted or refused with
 *   a one-line UsageError; a handful of cases also go through the real binary (exit 0 or 1 only);
 * - never a hang: each case within a generous per-case guard, each batch within the spawn timeout;
 * - bounded memory: peak RSS of a batch under MEMORY_GUARD;
 * - never a lost finding on the unchanged part: garbage appended after a file keeps every finding
 *   the file had before.
 */
/** STATELINT_FUZZ_SEED=<n> replays another run; every failure message names the seed. */
const SEED = Number(process.env.STATELINT_FUZZ_SEED ?? 20_240_611);
const PER_CASE_GUARD_MS = 30_000; // a hang guard, not a speed assertion (cases take milliseconds)
/** The worker's V8 heap is capped (--max-old-space-size); peak RSS (heap + WASM + buffers) is checked too. */
const HEAP_CAP_MB = 1024;
const MEMORY_GUARD_KIB = 1536 * 1024;
const BATCH = 60;

const work = scratch('fuzz');
afterAll(() => removeScratch(work));

function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n: number) => Math.floor(next() * n),
    pick<T>(xs: readonly T[]): T {
      return xs[Math.floor(next() * xs.length)];
    },
  };
}
const rnd = prng(SEED);

function filesUnder(dir: string, test: (name: string) => boolean, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const abs = path.join(dir, name);
    if (statSync(abs).isDirectory()) {
      if (name !== 'vendor' && name !== 'node_modules') filesUnder(abs, test, out);
    } else if (test(name)) out.push(abs);
  }
  return out;
}

const FIXTURES = path.join(ROOT, 'fixtures');
const phpFiles = filesUnder(FIXTURES, (n) => n.endsWith('.php') && !n.endsWith('.blade.php'));
const bladeFiles = filesUnder(FIXTURES, (n) => n.endsWith('.blade.php'));
const envFiles = filesUnder(FIXTURES, (n) => n.startsWith('.env'));

const PHP_TOKENS = ['{', '}', '(', ')', '[', ']', '"', "'", '`', '"{$', '${', '<<<EOT\n', '\nEOT;\n', '?>', '<?php ', '/*', '*/', '//', '#[', 'env(', "env('K', ", '\\', ';', ',', '=>', '...', '@', '\0', '\u00ff', '\r', '\n', '\u202e', '\u001b[2J', 'use A\\{B,', 'clone(', 'match(', 'fn() =>', '$a.', '?:', '??'];
const BLADE_TOKENS = ['@if(', '@endif', '{{', '}}', '{{--', '--}}', '{!!', '!!}', '@php', '@endphp', '<?=', '?>', '<x-a :b="', '">', '@verbatim', '<style>', '</style>', "'", '"', '(', ')', '@{{', '@@', "{{ env('K') }}", '\n'];
const ENV_TOKENS = ['"', "'", '`', '\\', '#', ' ', '\t', '\n', '\r\n', 'export ', '${A}', '${', '}', 'A', '\u00e9', '\u001b', ' '.repeat(200)];

function garbage(tokens: readonly string[], n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += rnd.pick(tokens);
  return out;
}

/** One mutation of `text`: truncate, delete, duplicate, insert tokens, or nest deeply. */
function mutate(text: string, tokens: readonly string[]): string {
  const at = rnd.int(text.length + 1);
  switch (rnd.int(6)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text.slice(0, at) + text.slice(Math.min(text.length, at + 1 + rnd.int(200)));
    case 2: {
      const piece = text.slice(at, at + 1 + rnd.int(400));
      return text.slice(0, at) + piece.repeat(1 + rnd.int(20)) + text.slice(at);
    }
    case 3:
      return text.slice(0, at) + garbage(tokens, 1 + rnd.int(30)) + text.slice(at);
    case 4: {
      const open = rnd.pick(['[', '(', '{', 'f(', '"{$', '@if(', '<<<A\n']);
      return text.slice(0, at) + open.repeat(500 + rnd.int(3000)) + text.slice(at);
    }
    default: {
      let out = text;
      for (let k = 0; k < 1 + rnd.int(5); k++) {
        const p = rnd.int(out.length + 1);
        out = out.slice(0, p) + garbage(tokens, 1 + rnd.int(5)) + out.slice(p);
      }
      return out;
    }
  }
}

/** A case: files written into a fresh small Laravel project, then audited. `keep` = findings that must survive. */
interface Case {
  name: string;
  files: Record<string, string>;
  /** Audit the same project without these mutations first; every finding then must still be there. */
  baseline?: Record<string, string>;
  settings?: boolean;
}

const BASE_PROJECT: Record<string, string> = {
  artisan: '<?php\n',
  'composer.json': '{"require":{"laravel/framework":"^10.0"}}',
  '.env': 'APP_NAME=fuzz\nSESSION_DRIVER=file\n',
  'config/session.php': "<?php\nreturn ['driver' => env('SESSION_DRIVER', 'redis')];\n",
};

const cases: Case[] = [];
const read = (f: string) => readFileSync(f, 'latin1'); // bytes as they are; invalid UTF-8 stays invalid

for (let i = 0; i < 60; i++) {
  const src = rnd.pick(phpFiles);
  cases.push({ name: `php mutation ${i} of ${path.relative(FIXTURES, src)}`, files: { 'app/Fuzz.php': mutate(read(src), PHP_TOKENS) } });
}
for (let i = 0; i < 25; i++) {
  const src = rnd.pick(bladeFiles);
  cases.push({ name: `blade mutation ${i} of ${path.relative(FIXTURES, src)}`, files: { 'resources/views/fuzz.blade.php': mutate(read(src), BLADE_TOKENS) } });
}
for (let i = 0; i < 25; i++) {
  const src = rnd.pick(envFiles);
  cases.push({ name: `env mutation ${i} of ${path.relative(FIXTURES, src)}`, files: { '.env': mutate(read(src), ENV_TOKENS) } });
}
for (let i = 0; i < 20; i++) {
  const src = rnd.pick(phpFiles.filter((f) => /env\s*\(|storage\/app|session_start|onOneServer|->store\(/.test(read(f))));
  const original = read(src);
  // A newline first: the garbage starts a new statement after the file's last one.
  cases.push({ name: `php append ${i} to ${path.relative(FIXTURES, src)}`, baseline: { 'app/Fuzz.php': original }, files: { 'app/Fuzz.php': `${original}\n${garbage(PHP_TOKENS, 5 + rnd.int(200))}` } });
}
for (let i = 0; i < 10; i++) {
  const src = rnd.pick(bladeFiles);
  const original = read(src);
  cases.push({ name: `blade append ${i} to ${path.relative(FIXTURES, src)}`, baseline: { 'resources/views/fuzz.blade.php': original }, files: { 'resources/views/fuzz.blade.php': `${original}\n${garbage(BLADE_TOKENS, 5 + rnd.int(200))}` } });
}
for (let i = 0; i < 10; i++) {
  const src = rnd.pick(envFiles);
  const original = read(src);
  // No '=' in env garbage: it must not assign a key the file did not set (that would change the config legitimately).
  const tokens = ENV_TOKENS.filter((t) => !t.includes('='));
  cases.push({ name: `env append ${i} to ${path.relative(FIXTURES, src)}`, baseline: { '.env': original }, files: { '.env': `${original}\n${garbage(tokens, 5 + rnd.int(200))}` } });
}
const SETTINGS = JSON.stringify({ rules: { 'laravel/session-store-local': 'warning' }, ignore: ['app/Legacy/'], includeTests: false, failOn: 'warning', env: { A: 'B' }, maxFileSize: '4m' }, null, 2);
const SETTINGS_TOKENS = ['{', '}', '[', ']', '"', ':', ',', '"__proto__"', '"constructor"', '"rules"', '"configDir"', '"../x"', '"/etc"', 'null', 'true', '1e999', '\\u0000', 'SECRETMARK', '\n'];
for (let i = 0; i < 30; i++) cases.push({ name: `settings mutation ${i}`, settings: true, files: { 'statelint.config.json': mutate(SETTINGS, SETTINGS_TOKENS) } });
// Generated settings files: deep, wide and large, and the keys that reach Object.prototype.
const generatedSettings: [string, string][] = [
  ['nested 200k deep', `{"env": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`],
  ['rules with 20k keys', JSON.stringify({ rules: Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`laravel/x${i}`, 'off'])) })],
  ['a 1 MB string value', JSON.stringify({ configDir: 'a'.repeat(1024 * 1024) })],
  ['__proto__ and constructor everywhere', '{"env": {"__proto__": "x", "constructor": "y"}, "assume": {"__proto__": "z"}, "rules": {}}'],
  ['__proto__ at the top', '{"__proto__": {"failOn": "never", "polluted": "SECRETMARK"}}'],
  ['truncated', SETTINGS.slice(0, SETTINGS.length >> 1)],
];
for (const [name, text] of generatedSettings) cases.push({ name: `settings generated: ${name}`, settings: true, files: { 'statelint.config.json': text } });

// Generated deep and large inputs.
const deep = (open: string, close: string, n: number) => open.repeat(n) + close.repeat(n);
const generated: [string, Record<string, string>][] = [
  ['array nested 20k deep in config', { 'config/cache.php': `<?php return ['default' => ${deep('[', ']', 20_000)}];` }],
  ['5k nested env() defaults in config', { 'config/session.php': `<?php return ['driver' => ${"env('A', ".repeat(5000)}'file'${')'.repeat(5000)}];` }],
  ['100k concatenations in config', { 'config/logging.php': `<?php return ['default' => ${"'a'.".repeat(100_000)}'b'];` }],
  ['spread doubling 40 times', { 'config/database.php': `<?php $a = [1]; ${'$a = [...$a, ...$a]; '.repeat(40)} return ['default' => 'mysql', 'x' => $a];` }],
  ['string doubling 40 times + slug', { 'config/filesystems.php': `<?php $a = 'ab'; ${'$a = $a.$a; '.repeat(40)} return ['default' => Str::slug($a)];` }],
  ['env expansion doubling', { '.env': `V0=abcdefgh\n${Array.from({ length: 40 }, (_, i) => `V${i + 1}=\${V${i}}\${V${i}}`).join('\n')}\nSESSION_DRIVER=\${V40}\n` }],
  // 5,000 findings on one 64 KB line, rendered in every format (test/hardening/linear.test.ts takes 1 MB through the CLI)
  ['64 KB single line of env()', { 'app/Min.php': `<?php ${"$a=env('A');".repeat(5_000)}` }],
  ['parser crasher then a finding', { 'app/A.php': `<?php $x = env('A'); ${'"{$'.repeat(4000)}`, 'app/B.php': "<?php $y = env('B');" }],
  ['blade 50k @if(', { 'resources/views/x.blade.php': `${'@if('.repeat(50_000)}{{ env('X') }}` }],
  ['blade 50k {{--', { 'resources/views/x.blade.php': `${'{{--'.repeat(50_000)}` }],
  ['env 200k blank lines', { '.env': `SESSION_DRIVER=file${'\n'.repeat(200_000)}` }],
  ['env 200k leading spaces', { '.env': `${' '.repeat(200_000)}SESSION_DRIVER=file\n` }],
  ['group use with 50k slashes', { 'app/U.php': `<?php use A\\{B,${'/'.repeat(50_000)}x env('U');` }],
  ['3 MB source (over the 2 MiB cap)', { 'app/Big.php': `<?php ${"$a=env('A');\n".repeat(250_000)}` }],
  ['10k-deep nested closures', { 'app/Deep.php': `<?php env('D'); ${'function() {'.repeat(10_000)}${'}'.repeat(10_000)}` }],
];
for (const [name, files] of generated) cases.push({ name: `generated: ${name}`, files });

/** The worker: runs cases through the library in one child process and prints one JSON line per case. */
const WORKER = `
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
const dist = ${JSON.stringify(path.join(ROOT, 'dist'))};
const { audit } = await import(path.join(dist, 'src/api/index.js'));
const { render } = await import(path.join(dist, 'src/commands/output.js'));
const { loadConfigFile } = await import(path.join(dist, 'src/commands/config-file.js'));
const { UsageError } = await import(path.join(dist, 'src/commands/errors.js'));
const [casesFile, base] = process.argv.slice(2);
const { cases, project } = JSON.parse((await import('node:fs')).readFileSync(casesFile, 'utf8'));
function setUp(dir, files) {
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, text] of Object.entries({ ...project, ...files })) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), Buffer.from(text, 'latin1'));
  }
}
async function run(dir) {
  const r = await audit({ path: dir });
  const input = { report: r.report, rules: r.rules, lineText: r.lineText, rootAbsolute: r.rootAbsolute };
  const sizes = [];
  for (const f of ['pretty', 'json', 'sarif', 'github', 'junit', 'markdown', 'html']) sizes.push((await render(f, input, 0)).length);
  return {
    findings: r.report.findings.map((f) => [f.ruleId, f.location.file, f.location.line, f.message].join('|')),
    categories: Object.fromEntries(r.report.findings.map((f) => [f.ruleId, f.category])),
    checklist: Object.fromEntries(r.report.checklist.map((c) => [c.category, c.status])),
    skipped: r.report.skipped.map((x) => x.file),
    sizes,
  };
}
for (const [i, c] of cases.entries()) {
  const dir = path.join(base, 'p' + i);
  const started = performance.now();
  const out = { i, name: c.name };
  process.stdout.write(JSON.stringify({ start: i }) + '\\n');
  try {
    if (c.baseline) {
      setUp(dir, c.baseline);
      const before = await run(dir);
      out.before = before.findings;
      out.beforeCategories = before.categories;
    }
    setUp(dir, c.files);
    if (c.settings) {
      try {
        loadConfigFile(dir, ['laravel/session-store-local']);
        out.settings = 'accepted';
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        out.settings = e.message;
      }
      // Nothing from the file may reach Object.prototype.
      const probe = {};
      if (Object.keys(Object.prototype).length || probe.failOn !== undefined || probe.polluted !== undefined) out.polluted = true;
    } else Object.assign(out, await run(dir));
  } catch (e) {
    out.crash = String(e && e.stack || e);
  }
  out.ms = Math.round(performance.now() - started);
  out.maxRssKiB = process.resourceUsage().maxRSS;
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + '\\n');
}
`;

describe(`fuzzed and generated inputs (seed ${SEED}, ${cases.length} cases)`, () => {
  const workerFile = path.join(work, 'worker.mjs');
  writeFileSync(workerFile, WORKER);
  // chalk resolves from the package: the worker lives in a temp folder, so link node_modules beside it.
  if (!existsSync(path.join(work, 'node_modules'))) spawnSync('ln', ['-s', path.join(ROOT, 'node_modules'), path.join(work, 'node_modules')]);

  const batches: Case[][] = [];
  for (let i = 0; i < cases.length; i += BATCH) batches.push(cases.slice(i, i + BATCH));

  it.each(batches.map((b, i) => [i, b] as const))('batch %i: no crash, no hang, bounded memory, no lost finding', (index, batch) => {
    const file = path.join(work, `cases-${index}.json`);
    writeFileSync(file, JSON.stringify({ cases: batch, project: BASE_PROJECT }));
    const base = path.join(work, `b${index}`);
    mkdirSync(base, { recursive: true });
    const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_CAP_MB}`, workerFile, file, base], {
      encoding: 'utf8',
      timeout: PER_CASE_GUARD_MS * 4, // the whole batch; a hang in any case trips it
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
    const lines = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const results = lines.filter((l) => 'name' in l);
    const started = lines.filter((l) => 'start' in l).map((l) => l.start as number);
    const hung = started.find((s) => !results.some((x) => x.i === s));
    expect(hung === undefined ? undefined : batch[hung].name, `seed ${SEED}: hung or crashed the worker (${r.signal ?? r.status}): ${r.stderr.slice(0, 500)}`).toBeUndefined();
    expect(results).toHaveLength(batch.length);
    for (const res of results) {
      const name = `seed ${SEED}, ${res.name}`;
      expect(res.crash, name).toBeUndefined();
      expect(res.ms, `${name} exceeded the per-case hang guard`).toBeLessThan(PER_CASE_GUARD_MS);
      expect(res.polluted, `${name}: Object.prototype was changed`).toBeUndefined();
      if (res.settings && res.settings !== 'accepted') {
        expect(res.settings, name).not.toMatch(/\n/);
        expect(res.settings, name).not.toContain('SECRETMARK');
      }
      if (res.before) {
        // A finding may only go with its whole file, and then the file is listed as not analysed
        // (NUL bytes in the garbage make it binary) and its row is not "pass".
        const lost = res.before.filter((f: string) => !res.findings.includes(f) && !res.skipped.includes(f.split('|')[1]));
        expect(lost, `${name}: findings on the unchanged part were lost`).toEqual([]);
        for (const f of res.before.filter((x: string) => !res.findings.includes(x))) {
          expect(res.checklist[res.beforeCategories[f.split('|')[0]]] ?? 'unknown', `${name}: ${f}`).not.toBe('pass');
        }
      }
    }
    const peak = Math.max(...results.map((x) => x.maxRssKiB));
    expect(peak, `seed ${SEED}: peak RSS of batch ${index}`).toBeLessThan(MEMORY_GUARD_KIB);
  }, PER_CASE_GUARD_MS * 4 + 30_000);

  it('the real binary on a sample: exit 0 or 1 for projects, exit 2 with one sentence for settings files', () => {
    const projects = [cases[3], cases.find((c) => c.name.includes('crasher'))!];
    const settings = cases.filter((c) => c.settings && /__proto__|nested 200k/.test(c.name));
    for (const [i, c] of [...projects, ...settings].entries()) {
      const dir = path.join(work, `cli${i}`);
      for (const [rel, text] of Object.entries({ ...BASE_PROJECT, ...c.files })) {
        mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
        writeFileSync(path.join(dir, rel), Buffer.from(text, 'latin1'));
      }
      for (const format of c.settings || i > 0 ? ['json'] : ['json', 'pretty']) {
        const out = run([dir, '-f', format, '--no-color'], { timeoutMs: 120_000 });
        const name = `seed ${SEED}, ${c.name} (${format})`;
        if (c.settings) {
          // refused with one sentence, or (keys such as `__proto__` inside the env map are names like any other) audited
          if (/everywhere/.test(c.name)) expect([0, 1], `${name}: ${out.stderr.slice(0, 300)}`).toContain(out.code);
          else {
            expect(out.code, `${name}: ${out.stderr.slice(0, 300)}`).toBe(2);
            expect(out.stderr, name).toMatch(/^statelint: [^\n]+\n$/);
          }
          expect(out.stderr, name).not.toMatch(/internal error|\n\s+at /);
          continue;
        }
        expect([0, 1], `${name}: ${out.stderr.slice(0, 300)}`).toContain(out.code);
        expect(out.stderr, name).not.toMatch(/internal error/);
        if (format === 'json') report(out);
        if (out.maxRssKiB !== undefined) expect(out.maxRssKiB, name).toBeLessThan(MEMORY_GUARD_KIB);
      }
    }
  }, 300_000);
});
