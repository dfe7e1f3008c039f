import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
import type { Fix } from '../../../src/engine/finding.js';
import type { Scalar } from '../../../src/engine/values.js';
import { stringLiteral, type SyntaxNode } from '../../../src/lang/php.js';
import { configKeyReading } from './config-keys.js';

/** Third-party credentials live in config/services.php by Laravel convention; everything else in config/app.php. */
const SERVICE_SECRET = /^[A-Z0-9]+_\w*(?:KEY|SECRET|TOKEN)$/;
const APP_VARS = /^APP_/;

/** A literal argument's value; undefined when the argument is an expression (so it cannot be compared). */
function literal(node: SyntaxNode | undefined): { value: Scalar } | undefined {
  if (!node) return { value: null };
  const s = stringLiteral(node);
  if (s !== undefined) return { value: s };
  const text = node.text.toLowerCase();
  if (node.type === 'integer' || node.type === 'float') return { value: Number(node.text.replace(/_/g, '')) };
  if (node.type === 'boolean' || ((node.type === 'name' || node.type === 'null') && /^(true|false|null)$/.test(text))) {
    return { value: text === 'null' ? null : text === 'true' };
  }
  return undefined;
}

const php = (v: Scalar) => (v === null ? 'null' : typeof v === 'string' ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : String(v));

export interface EnvFixPlan {
  fix: Fix;
  remediation: string;
}

/**
 * The fix for `env(name, default)` at `range` in `file`: config('key') when a config key already reads
 * the variable (safe when the defaults are equal; unsafe when they differ or cannot be compared),
 * else a suggestion naming the key to add.
 */
export function envCallFix(
  laravel: LaravelFacts | undefined,
  file: string,
  range: [number, number],
  name: string,
  defaultArg: SyntaxNode | undefined,
): EnvFixPlan {
  const call = `env('${name}'${defaultArg ? `, ${defaultArg.text}` : ''})`;
  const reader = laravel && configKeyReading(laravel, name);
  if (!reader) {
    const where = SERVICE_SECRET.test(name) && !APP_VARS.test(name) ? 'services' : 'app';
    const keyName = name.toLowerCase();
    const key = `${where}.${keyName}`;
    const entry = `'${keyName}' => ${call},`;
    const remediation = `No config key reads ${name} yet: add ${entry} to config/${where}.php, then replace ${call} with config('${key}').`;
    const insert = laravel && addConfigEntry(laravel, where, keyName, call);
    if (!insert) return { fix: { title: `add ${entry} to config/${where}.php and use config('${key}')`, applicability: 'suggestion', edits: [] }, remediation };
    // Unsafe: a new config key is a decision for a human (its name, its file), and config:cache must be rebuilt.
    return {
      fix: { title: `add ${entry} to ${insert.file} and use config('${key}')`, applicability: 'unsafe', edits: [insert, { file, range, text: `config('${key}')` }] },
      remediation,
    };
  }
  const replacement = `config('${reader.key}')`;
  const edits = [{ file, range, text: replacement }];
  const where = reader.at.file.startsWith('(') ? `the framework's config/${reader.key.split('.')[0]}.php` : `${reader.at.file}:${reader.at.line}`;
  const remediation = `Replace ${call} with ${replacement} (${where} reads ${name}).`;
  const mine = literal(defaultArg);
  if (reader.fallback.seen && mine && mine.value === reader.fallback.value) {
    return { fix: { title: `replace with ${replacement}`, applicability: 'safe', edits }, remediation };
  }
  const why = !reader.fallback.seen
    ? `${name} is set in an env file, so the default ${where} gives it could not be compared`
    : `its default is ${php(reader.fallback.value)} in ${where}, not ${defaultArg ? defaultArg.text : 'null'} as here`;
  return { fix: { title: `replace with ${replacement} (${why})`, applicability: 'unsafe', edits }, remediation };
}

/**
 * An edit that adds `'key' => env(...),` as the last entry of the array a config file returns, in the
 * file's own indentation and line endings. Undefined when the file is absent, already has the key, or
 * does not end in a plain `return [ ... ];` whose last entry can take a comma safely.
 */
function addConfigEntry(laravel: LaravelFacts, name: string, key: string, call: string): { file: string; range: [number, number]; text: string } | undefined {
  const source = laravel.configSource(name);
  if (!source || new RegExp(`['"]${key}['"]\\s*=>`).test(source.text)) return undefined;
  const { text } = source;
  const close = /\r?\n([ \t]*)\];[ \t]*(?:\r?\n)*$/.exec(text);
  if (!close || !/\breturn\s*\[/.test(text)) return undefined;
  const eol = close[0].startsWith('\r\n') ? '\r\n' : '\n';
  const indent = /\n([ \t]+)['"][\w.-]+['"]\s*=>/.exec(text)?.[1] ?? '    ';
  const before = text.slice(0, close.index);
  const lastLine = before.slice(before.lastIndexOf('\n') + 1);
  // A trailing comment would swallow a comma added after it: leave such files to a human.
  if (/\/\/|#|\*\//.test(lastLine)) return undefined;
  const last = before.trimEnd().slice(-1);
  const comma = last === ',' || last === '[' ? '' : ',';
  return { file: source.file, range: [close.index, close.index], text: `${comma}${eol}${indent}'${key}' => ${call},` };
}
