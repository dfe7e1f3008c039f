import { describe, expect, it } from 'vitest';
import { display, type Val } from '../../src/engine/values.js';
import { parsePhp } from '../../src/lang/php.js';
import { LineIndex } from '../../src/lang/source-text.js';
import { EnvironmentView, parseEnvFile } from '../../src/project/env-files.js';
import { evaluateConfigFile } from '../../src/ecosystems/laravel/evaluate.js';

/** Evaluates `return [...]` config source against an env file, the way the resolver does. */
async function evalConfig(php: string, envText = ''): Promise<Val> {
  const envFile = parseEnvFile('.env', envText);
  const env = new EnvironmentView([envFile]);
  const tree = await parsePhp(`<?php\n${php}`);
  try {
    return evaluateConfigFile(tree, {
      file: 'config/x.php',
      lines: new LineIndex(`<?php\n${php}`),
      env,
      vars: new Map(),
      uses: new Map(),
      envOrigin: (e) => ({ ...envFile.lines.lineLocation('.env', e.line), note: `${e.key}=${e.value}` }),
    });
  } finally {
    tree.delete();
  }
}

async function value(expr: string, envText = ''): Promise<string> {
  const v = await evalConfig(`return ['k' => ${expr}];`, envText);
  return display(v.t === 'array' ? v.entries[0].value : v);
}

describe('config evaluator', () => {
  it('reads env() with Laravel casting and defaults', async () => {
    expect(await value("env('A', 'file')")).toBe('file');
    expect(await value("env('A', 'file')", 'A=redis')).toBe('redis');
    expect(await value("env('A')", 'A=(true)')).toBe('true');
    expect(await value("env('A', 'x')", 'A=null')).toBe('null');
    expect(await value("env('A', 'x')", 'A=empty')).toBe('');
    expect(await value("env('MISSING')")).toBe('null');
  });

  it('follows the first assignment of a key, like phpdotenv', async () => {
    expect(await value("env('A')", 'A=first\nA=second')).toBe('first');
  });

  it('evaluates ??, ?:, ternaries, comparisons and casts', async () => {
    expect(await value("env('A') ?? 'fallback'")).toBe('fallback');
    expect(await value("env('A') ?: 'empty'", 'A=')).toBe('empty');
    expect(await value("env('A') === 'x' ? 'yes' : 'no'", 'A=x')).toBe('yes');
    expect(await value("(int) env('LIFETIME', '120')")).toBe('120');
    expect(await value('60 * 24')).toBe('1440');
    expect(await value("!env('DEBUG', false)")).toBe('true');
  });

  it('knows path helpers, Str::slug, explode and concatenation', async () => {
    expect(await value("storage_path('framework/sessions')")).toBe('storage/framework/sessions');
    expect(await value("database_path('database.sqlite')")).toBe('database/database.sqlite');
    expect(await value("Str::slug(env('APP_NAME', 'laravel'), '_').'_session'", 'APP_NAME="My Shop"')).toBe('my_shop_session');
    expect(await value("Str::slug(env('APP_NAME', 'laravel')).'-cache-'", 'APP_NAME=Café Olé')).toBe('cafe-ole-cache-');
    expect(await value("explode(',', env('LOG_STACK', 'single'))", 'LOG_STACK=daily,stderr')).toBe('[daily, stderr]');
  });

  it('leaves what it cannot know unknown instead of guessing', async () => {
    expect(await value("custom_helper('x')")).toMatch(/^\(unknown: custom_helper\(\)\)$/);
    expect(await value("extension_loaded('redis') ? 'redis' : 'file'")).toMatch(/unknown/);
    expect(await value('"prefix_$name"')).toMatch(/unknown/);
  });

  it('resolves top-level variables used in the returned array', async () => {
    const v = await evalConfig("$driver = env('SESSION_DRIVER', 'file');\nreturn ['driver' => $driver];", 'SESSION_DRIVER=redis');
    expect(v.t === 'array' && display(v.entries[0].value)).toBe('redis');
  });

  it('points an env-decided value at the env line and lists the config line as related', async () => {
    const v = await evalConfig("return [\n  'driver' => env('SESSION_DRIVER', 'file'),\n];", 'APP_NAME=x\nSESSION_DRIVER=file');
    const driver = v.t === 'array' ? v.entries[0].value : v;
    expect(driver.origin).toMatchObject({ file: '.env', line: 2, fromEnv: true });
    expect(driver.via[0]).toMatchObject({ file: 'config/x.php', line: 3 });
  });

  it('points a defaulted value at the default argument', async () => {
    const v = await evalConfig("return [\n  'driver' => env('SESSION_DRIVER', 'file'),\n];");
    const driver = v.t === 'array' ? v.entries[0].value : v;
    expect(driver.origin).toMatchObject({ file: 'config/x.php', line: 3, column: 37 });
  });
});
