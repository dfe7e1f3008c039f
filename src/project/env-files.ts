import { parse as parseDotenv } from 'dotenv';
import { LineIndex } from '../lang/source-text.js';

/** One variable as set by an env file (or by --env on the command line). */
export interface EnvEntry {
  key: string;
  /** Raw string as written (quotes removed, ${VAR} expanded). */
  value: string;
  /** Relative file path, or '<command line>' for --env. */
  file: string;
  /** 1-based line; 0 for the command line. */
  line: number;
}

export interface EnvFile {
  file: string;
  text: string;
  lines: LineIndex;
  entries: Map<string, EnvEntry>;
}

const KEY_LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=/;

/**
 * Parses an env file the way Laravel's phpdotenv reads it: the first assignment of a key wins,
 * `${OTHER}` expands from earlier keys. dotenv.parse does the quoting rules; we add line numbers.
 */
export function parseEnvFile(file: string, text: string, outer: ReadonlyMap<string, EnvEntry> = new Map()): EnvFile {
  const lines = new LineIndex(text);
  const whole = parseDotenv(text);
  const entries = new Map<string, EnvEntry>();
  for (let line = 1; line <= lines.lineCount; line++) {
    const m = KEY_LINE.exec(lines.lineText(line));
    if (!m || entries.has(m[1])) continue;
    const key = m[1];
    const single = parseDotenv(lines.lineText(line).replace(/^\s*export\s+/, ''))[key];
    // A value that opens a multi-line quote only parses as a whole file.
    const raw = single !== undefined && !/^\s*[^=]*=\s*["'`][^"'`]*$/.test(lines.lineText(line)) ? single : (whole[key] ?? single ?? '');
    entries.set(key, { key, value: expand(raw, entries, outer), file, line });
  }
  return { file, text, lines, entries };
}

function expand(value: string, own: Map<string, EnvEntry>, outer: ReadonlyMap<string, EnvEntry>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => own.get(name)?.value ?? outer.get(name)?.value ?? '');
}

/** Laravel's Env::get casting of special words. */
export function castEnvValue(raw: string): string | boolean | null {
  switch (raw.toLowerCase()) {
    case 'true':
    case '(true)':
      return true;
    case 'false':
    case '(false)':
      return false;
    case 'empty':
    case '(empty)':
      return '';
    case 'null':
    case '(null)':
      return null;
    default:
      return raw;
  }
}

/** Keys whose values are never printed anywhere (APP_KEY, passwords, tokens, secrets). */
export function isSecretKey(key: string): boolean {
  return /KEY|PASSWORD|PASSWD|_PASS$|SECRET|TOKEN|CREDENTIAL|PRIVATE|DSN|SALT/i.test(key);
}

/** True when a value must not be printed: a secret key, or a URL with credentials in it. */
export function isSecretValue(key: string, value: string): boolean {
  return isSecretKey(key) || /:\/\/[^/@\s]*:[^/@\s]*@/.test(value);
}

/**
 * The environment the audit resolves config against: env files in order (a later file overrides
 * an earlier one) with --env KEY=VALUE on top.
 */
export class EnvironmentView {
  private readonly merged = new Map<string, EnvEntry>();

  constructor(readonly files: EnvFile[], overrides: Record<string, string> = {}) {
    for (const f of files) for (const [k, e] of f.entries) this.merged.set(k, e);
    for (const [k, v] of Object.entries(overrides)) this.merged.set(k, { key: k, value: v, file: '<command line>', line: 0 });
  }

  get(key: string): EnvEntry | undefined {
    return this.merged.get(key);
  }

  fileOf(name: string): EnvFile | undefined {
    return this.files.find((f) => f.file === name);
  }

  /** Text shown for an env line in messages; secret values are replaced. */
  static display(entry: EnvEntry): string {
    return isSecretValue(entry.key, entry.value) ? `${entry.key}=<redacted>` : `${entry.key}=${entry.value}`;
  }
}
