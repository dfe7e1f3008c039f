import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/lang/budget.js';
import { display, type Val } from '../../src/engine/values.js';
import { deleteTree, parsePhp } from '../../src/lang/php.js';
import { LineIndex } from '../../src/lang/source-text.js';
import { EnvironmentView, parseEnvFile } from '../../src/project/env-files.js';
import { evaluateConfigFile } from '../../src/ecosystems/laravel/evaluate.js';
import { checklist, removeScratch, report, run, scratch, writeTree } from './support.js';

/**
 * Defects 2 and 3: the static evaluator and env expansion run within budgets (depth, steps, value
 * size, string length, expansion size). Exhausting one gives "unknown" with the reason, never a
 * stack overflow, an out-of-memory abort or a report of megabytes.
 */
async function evalConfig(php: string, envText = ''): Promise<Val> {
  const envFile = parseEnvFile('.env', envText);
  const text = `<?php\n${php}`;
  const tree = await parsePhp(text);
  try {
    return evaluateConfigFile(tree, {
      file: 'config/x.php',
      lines: new LineIndex(text),
      env: new EnvironmentView([envFile]),
      vars: new Map(),
      uses: new Map(),
      envOrigin: (e) => ({ ...envFile.lines.lineLocation('.env', e.line), note: EnvironmentView.display(e) }),
    });
  } finally {
    deleteTree(tree);
  }
}

async function key(php: string, k: string, envText = ''): Promise<Val | undefined> {
  const v = await evalConfig(php, envText);
  return v.t === 'array' ? v.entries.find((e) => e.key === k)?.value : v;
}

const repeat = (s: string, n: number) => s.repeat(n);

describe('evaluator depth: unknown, never a stack overflow (defect 2)', () => {
  it.each([
    ['arrays nested 2,000 deep', `return ['k' => ${repeat('[', 2000)}${repeat(']', 2000)}];`],
    ['arrays nested 20,000 deep', `return ['k' => ${repeat('[', 20_000)}${repeat(']', 20_000)}];`],
    ['3,000 nested ternaries', `return ['k' => ${repeat('true ? ', 3000)}'file'${repeat(' : 1', 3000)}];`],
    ['3,000 nested env() defaults', `return ['k' => ${repeat("env('A', ", 3000)}'file'${repeat(')', 3000)}];`],
    ['60,000 concatenations', `return ['k' => ${repeat("'a'.", 60_000)}'b'];`],
    ['5,000 nested parentheses', `return ['k' => ${repeat('(', 5000)}'x'${repeat(')', 5000)}];`],
  ])('%s', async (_name, php) => {
    const v = await key(php, 'k');
    // The value (or, for arrays, its part past the depth limit) is unknown: never a crash, never a guess.
    expect(display(v)).toMatch(/unknown: (too deep|condition)/);
  });

  it('keeps ordinary nesting known (a 50-deep array, a 200-part concatenation)', async () => {
    expect(display(await key(`return ['k' => ${repeat('[', 50)}'x'${repeat(']', 50)}];`, 'k'))).toBe(`${repeat('[', 50)}x${repeat(']', 50)}`);
    expect(display(await key(`return ['k' => ${repeat("'a'.", 200)}'b'];`, 'k'))).toBe(`${repeat('a', 200)}b`);
  });
});

describe('evaluator size: bounded memory and output (defect 3)', () => {
  it('$a = [...$a, ...$a] thirty times stops at the cell budget', async () => {
    const v = await key(`$a = [1];\n${repeat('$a = [...$a, ...$a];\n', 30)}return ['k' => $a];`, 'k');
    expect(v?.t).toBe('unknown');
    expect(display(v)).toMatch(new RegExp(`too large: over ${LIMITS.valueCells} values`));
  });

  it('$a = [$a, $a] forty times (shared sub-arrays) stops too, and display stays short', async () => {
    const v = await key(`$a = [1];\n${repeat('$a = [$a, $a];\n', 40)}return ['k' => $a];`, 'k');
    expect(display(v).length).toBeLessThanOrEqual(LIMITS.displayChars + 3);
  });

  it('24 doublings of a string and Str::slug: unknown (string over 64 KiB), not an 84 MB report', async () => {
    const v = await key(`$a = 'ab';\n${repeat('$a = $a.$a;\n', 24)}return ['k' => Str::slug($a)];`, 'k');
    expect(v?.t).toBe('unknown');
    expect(display(v)).toMatch(/unknown/);
  });

  it('$a = $a.$a forty times: unknown, and the `via` list stays bounded', async () => {
    const v = await key(`$a = 'x';\n${repeat('$a = $a.$a;\n', 40)}return ['k' => $a];`, 'k');
    expect(v?.t).toBe('unknown');
    const chain = await key(`$a = env('A', 'x');\n${repeat("$a = $a.'y';\n", 500)}return ['k' => $a];`, 'k');
    expect(chain?.t).toBe('scalar');
    expect(chain!.via.length).toBeLessThanOrEqual(LIMITS.viaEntries);
  });

  it('.env values V=${V0}${V0} forty times: expansion stops at 64 KiB, later values unknown with the reason', () => {
    let env = 'V0=abcdefgh\n';
    for (let i = 1; i <= 40; i++) env += `V${i}=\${V${i - 1}}\${V${i - 1}}\n`;
    env += 'SESSION_DRIVER=${V40}\nPLAIN=ok\n';
    const file = parseEnvFile('.env', env);
    const total = [...file.entries.values()].reduce((n, e) => n + e.value.length, 0);
    expect(total).toBeLessThan(LIMITS.envExpansionTotal + env.length);
    expect(file.entries.get('V10')?.unknown).toBeUndefined();
    expect(file.entries.get('SESSION_DRIVER')?.unknown).toMatch(/V\d+ is over 64 KiB after \$\{\} expansion/);
    expect(file.entries.get('PLAIN')?.value).toBe('ok');
  });

  it('a value expanded from a secret is secret (never displayed)', async () => {
    const file = parseEnvFile('.env', 'DB_PASSWORD=hunter2-very-secret\nAPP_NAME="${DB_PASSWORD}"\n');
    const app = file.entries.get('APP_NAME')!;
    expect(app.secret).toBe(true);
    expect(EnvironmentView.display(app)).toBe('APP_NAME=<redacted>');
    const v = await key("return ['name' => env('APP_NAME').'-suffix'];", 'name', 'DB_PASSWORD=hunter2-very-secret\nAPP_NAME="${DB_PASSWORD}"\n');
    expect(display(v)).toBe('<redacted>');
  });
});

describe('the CLI on such a project: exit 0/1, unknown rows, bounded memory', () => {
  const work = scratch('evaluator');
  afterAll(() => removeScratch(work));

  it('deep and exploding config files do not crash the audit or lose the other findings', () => {
    const dir = path.join(work, 'app');
    mkdirSync(dir, { recursive: true });
    let env = 'V0=abcdefgh\n';
    for (let i = 1; i <= 40; i++) env += `V${i}=\${V${i - 1}}\${V${i - 1}}\n`;
    writeTree(dir, {
      artisan: '<?php\n',
      'composer.json': '{"require":{"laravel/framework":"^10.0"}}',
      '.env': `${env}CACHE_DRIVER=\${V40}\n`,
      'config/app.php': `<?php return ['name' => ${repeat('[', 3000)}${repeat(']', 3000)}];`,
      'config/session.php': `<?php return ['driver' => ${repeat("env('A', ", 3000)}'file'${repeat(')', 3000)}];`,
      'config/cache.php': "<?php return ['default' => env('CACHE_DRIVER', 'file')];",
      'config/logging.php': `<?php return ['default' => ${repeat("'a'.", 60_000)}'b'];`,
      'config/database.php': `<?php $a = [1]; ${repeat('$a = [...$a, ...$a]; ', 30)} return ['default' => 'mysql', 'x' => $a];`,
      'config/filesystems.php': `<?php $a = 'ab'; ${repeat('$a = $a.$a; ', 24)} return ['default' => Str::slug($a)];`,
      'app/Keep.php': "<?php\n$x = env('KEEP');\n",
    });
    const r = run([dir, '-f', 'json']);
    const rep = report(r);
    if (r.maxRssKiB !== undefined) expect(r.maxRssKiB).toBeLessThan(1024 * 1024);
    expect(r.stdout.length).toBeLessThan(1024 * 1024);
    const rows = checklist(rep);
    for (const row of ['sessions', 'cache', 'uploads', 'logs']) expect(rows[row]).toBe('unknown');
    expect(rep.findings.map((f: { message: string }) => f.message)).toContainEqual(expect.stringContaining("env('KEEP')"));
  });
});
