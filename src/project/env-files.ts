import { LIMITS } from '../lang/budget.js';
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
  /** Never printed: a secret key, a URL with credentials, or a value built from a secret one. */
  secret?: boolean;
  /** The value cannot be known (an env file that could not be read, an expansion over budget); why. */
  unknown?: string;
}

export interface EnvFile {
  file: string;
  text: string;
  lines: LineIndex;
  entries: Map<string, EnvEntry>;
}

/** Mutable budget for ${VAR} expansion shared by the env files of one audit. */
export interface ExpansionBudget {
  chars: number;
}

const QUOTES = new Set(['"', "'", '`']);

/** JavaScript's \s for one UTF-16 unit (dotenv's and our former regexes used \s). */
function isSpace(c: number): boolean {
  return c <= 32
    ? c === 32 || (c >= 9 && c <= 13)
    : c === 160 || c === 5760 || (c >= 8192 && c <= 8202) || c === 8232 || c === 8233 || c === 8239 || c === 8287 || c === 12288 || c === 65279;
}

function isKeyStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isKeyChar(c: number): boolean {
  return isKeyStart(c) || (c >= 48 && c <= 57) || c === 46;
}

function skipSpaces(s: string, i: number, end = s.length): number {
  while (i < end && isSpace(s.charCodeAt(i))) i++;
  return i;
}

/** After a closing quote: only blanks, or blanks and a # comment, up to the end of the line. */
function tailOk(s: string, i: number, end: number): boolean {
  const j = skipSpaces(s, i, end);
  return j === end || s.charCodeAt(j) === 35;
}

/** `KEY =` at the start of a line (optionally `export KEY =`): the key and where its value starts. */
function assignment(line: string): { key: string; valueStart: number } | undefined {
  const start = skipSpaces(line, 0);
  const parse = (from: number) => {
    if (!isKeyStart(line.charCodeAt(from))) return undefined;
    let i = from + 1;
    while (i < line.length && isKeyChar(line.charCodeAt(i))) i++;
    const eq = skipSpaces(line, i);
    return line.charCodeAt(eq) === 61 ? { key: line.slice(from, i), valueStart: eq + 1 } : undefined;
  };
  if (line.startsWith('export', start) && isSpace(line.charCodeAt(start + 6))) {
    const withExport = parse(skipSpaces(line, start + 6));
    if (withExport) return withExport;
  }
  return parse(start);
}

/**
 * The closing quote of a value opened at `open`, searching up to `end`, as dotenv's regex chooses
 * it: the first quote not preceded by a backslash if a blank or # comment follows it, else the
 * last backslash-quote before that one that is so followed; -1 if none. Linear: one pass to the
 * first unescaped quote, and each candidate's tail check stops at the first non-blank.
 */
function closingQuote(s: string, open: number, end: number, lineEndOf: (i: number) => number): number {
  const q = s[open];
  const escaped: number[] = [];
  let i = s.indexOf(q, open + 1);
  while (i >= 0 && i < end && s.charCodeAt(i - 1) === 92 && i - 1 > open) {
    escaped.push(i);
    i = s.indexOf(q, i + 1);
  }
  if (i >= 0 && i < end && tailOk(s, i + 1, lineEndOf(i))) return i;
  for (let k = escaped.length - 1; k >= 0; k--) if (tailOk(s, escaped[k] + 1, lineEndOf(escaped[k]))) return escaped[k];
  return -1;
}

function unquote(quoted: string, quote: string): string {
  const body = quoted.slice(1, -1);
  return quote === '"' ? body.replace(/\\n/g, '\n').replace(/\\r/g, '\r') : body;
}

/**
 * Parses an env file the way Laravel's phpdotenv reads it: the first assignment of a key wins,
 * `${OTHER}` expands from earlier keys. Values follow dotenv's quoting rules (quotes removed, \n in
 * double quotes, a quoted value may span lines, `#` starts a comment in an unquoted value).
 * A hand-written scanner: dotenv's regex takes minutes on 200k blank lines, and so did ours on
 * 200k leading blanks. Budget: each character is looked at a bounded number of times (linear).
 */
export function parseEnvFile(file: string, text: string, outer: ReadonlyMap<string, EnvEntry> = new Map(), budget: ExpansionBudget = { chars: LIMITS.envExpansionTotal }): EnvFile {
  const lines = new LineIndex(text);
  const entries = new Map<string, EnvEntry>();
  const lineEndOf = (offset: number) => lines.lineEnd(lines.lineOf(offset));
  for (let line = 1; line <= lines.lineCount; line++) {
    const lineText = lines.lineText(line);
    const a = assignment(lineText);
    if (!a) continue;
    const lineStart = lines.lineStart(line);
    const valueEnd = lineStart + lineText.length;
    const open = skipSpaces(text, lineStart + a.valueStart, valueEnd);
    let raw: string | undefined;
    let consumedTo = line;
    if (QUOTES.has(text[open])) {
      const sameLine = closingQuote(text, open, valueEnd, () => valueEnd);
      if (sameLine >= 0) raw = unquote(text.slice(open, sameLine + 1), text[open]);
      else if (!/["'`]/.test(text.slice(open + 1, valueEnd))) {
        // No other quote on the line: the value may continue on the next lines.
        const close = closingQuote(text, open, text.length, lineEndOf);
        if (close >= 0) {
          raw = unquote(text.slice(open, close + 1).replace(/\r\n?/g, '\n'), text[open]);
          consumedTo = lines.lineOf(close);
        }
      }
    }
    if (raw === undefined) {
      // Unquoted (or a quote that never closes): up to a # comment, trimmed.
      const hash = lineText.indexOf('#', a.valueStart);
      raw = lineText.slice(a.valueStart, hash < 0 ? lineText.length : hash).trim();
      const q = raw[0];
      if (raw.length >= 2 && QUOTES.has(q) && raw.endsWith(q)) raw = raw.slice(1, -1);
      if (q === '"') raw = raw.replace(/\\n/g, '\n').replace(/\\r/g, '\r'); // as dotenv: by the first character
    }
    if (!entries.has(a.key)) entries.set(a.key, expand({ key: a.key, value: raw, file, line }, entries, outer, budget));
    line = consumedTo;
  }
  return { file, text, lines, entries };
}

/** ${VAR} expansion from earlier keys, within budget; a value built from a secret is secret. */
function expand(entry: EnvEntry, own: Map<string, EnvEntry>, outer: ReadonlyMap<string, EnvEntry>, budget: ExpansionBudget): EnvEntry {
  let secret = isSecretValue(entry.key, entry.value);
  let unknown: string | undefined;
  let length = 0;
  const value = entry.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => {
    const ref = own.get(name) ?? outer.get(name);
    if (!ref || unknown) return '';
    if (ref.unknown) unknown = ref.unknown; // the root cause, not a chain that grows with each level
    if (ref.secret) secret = true;
    length += ref.value.length - whole.length;
    if (entry.value.length + length > LIMITS.envValueLength || budget.chars - ref.value.length < 0) {
      unknown = `${entry.key} is over ${LIMITS.envValueLength / 1024} KiB after \${} expansion`;
      return '';
    }
    budget.chars -= ref.value.length;
    return ref.value;
  });
  if (unknown) return { ...entry, value: '', secret, unknown };
  return { ...entry, value, secret: secret || isSecretValue(entry.key, value) };
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
  return isSecretKey(key) || /:\/\/[^/@\s]*:[^/@\s]*@/.test(value.length > LIMITS.envValueLength ? value.slice(0, LIMITS.envValueLength) : value);
}

/** An env file that was asked for (or is the default .env) but could not be read. */
export interface UnreadEnvFile {
  file: string;
  reason: string;
}

/**
 * The environment the audit resolves config against: env files in order (a later file overrides
 * an earlier one) with --env KEY=VALUE on top. A file that could not be read might set any key, so
 * a key not set by a readable file after it is unknown rather than unset.
 */
export class EnvironmentView {
  readonly files: EnvFile[];
  private readonly overrides = new Map<string, EnvEntry>();

  /** `sources` in the order they apply: env files read, and those that could not be read. */
  constructor(private readonly sources: (EnvFile | UnreadEnvFile)[], overrides: Record<string, string> = {}) {
    this.files = sources.filter((s): s is EnvFile => 'entries' in s);
    for (const [k, v] of Object.entries(overrides)) this.overrides.set(k, { key: k, value: v, file: '<command line>', line: 0, secret: isSecretValue(k, v) });
  }

  /** The files that were asked for but could not be read. */
  get unread(): UnreadEnvFile[] {
    return this.sources.filter((s): s is UnreadEnvFile => !('entries' in s));
  }

  get(key: string): EnvEntry | undefined {
    const override = this.overrides.get(key);
    if (override) return override;
    for (let i = this.sources.length - 1; i >= 0; i--) {
      const s = this.sources[i];
      if ('entries' in s) {
        const e = s.entries.get(key);
        if (e) return e;
      } else {
        return { key, value: '', file: s.file, line: 0, unknown: `${s.file} could not be read (${s.reason})` };
      }
    }
    return undefined;
  }

  fileOf(name: string): EnvFile | undefined {
    return this.files.find((f) => f.file === name);
  }

  /** Text shown for an env line in messages; secret values are replaced. */
  static display(entry: EnvEntry): string {
    return entry.secret || isSecretValue(entry.key, entry.value) ? `${entry.key}=<redacted>` : `${entry.key}=${entry.value}`;
  }
}

/**
 * Secret-looking text in source lines and messages, masked with `*` of the same length (so excerpt
 * columns and carets stay right): literal defaults of secret keys (`env('STRIPE_SECRET', 'sk_live_...')`,
 * `'password' => 'hunter2'`), passwords in URLs, and well-known token shapes anywhere. Callers pass
 * short texts (an excerpt window, a note, a message of at most 2,000 characters); every pattern is
 * bounded, so the cost per call is too.
 */
const SECRET_DEFAULT = /\b(?:env|getenv|Env::get)\s{0,100}\(\s{0,100}(['"])([\w.-]{1,100})\1\s{0,100},\s{0,100}(['"])((?:\\.|(?!\3)[^\\\n]){1,300})\3/g;
const SECRET_ENTRY = /(['"])([\w.-]{1,100})\1\s{0,100}=>\s{0,100}(['"])((?:\\.|(?!\3)[^\\\n]){1,300})\3/g;
const URL_PASSWORD = /([a-z][a-z0-9+.-]{0,30}:\/\/[^\s/@:'"]{0,200}:)([^\s/@'"]{1,300})@/gi;
const TOKEN_SHAPES = [
  /\b(?:sk|rk)_(?:live|test)_([0-9A-Za-z]{8,})/g,
  /\bgh[pousr]_([0-9A-Za-z]{20,})/g,
  /\bgithub_pat_([0-9A-Za-z_]{20,})/g,
  /\bxox[abposr]-([0-9A-Za-z-]{10,})/g,
  /\bAKIA([0-9A-Z]{16})\b/g,
  /\bbase64:([A-Za-z0-9+/]{20,}={0,2})/g,
  /\beyJ[A-Za-z0-9_-]{8,4096}\.([A-Za-z0-9_-]{8,4096}\.[A-Za-z0-9_-]{8,4096})/g, // bounded: a failed match must not rescan a long run
];

export function maskSecrets(text: string): string {
  const stars = (s: string) => '*'.repeat(s.length);
  let out = text;
  if (/env|Env::get/.test(out)) {
    out = out.replace(SECRET_DEFAULT, (m, _q, key: string, _q2, value: string) => (isSecretKey(key) ? m.slice(0, m.length - value.length - 1) + stars(value) + m.slice(-1) : m));
  }
  if (out.includes('=>')) {
    out = out.replace(SECRET_ENTRY, (m, _q, key: string, _q2, value: string) => (isSecretKey(key) ? m.slice(0, m.length - value.length - 1) + stars(value) + m.slice(-1) : m));
  }
  if (out.includes('://')) out = out.replace(URL_PASSWORD, (_m, head: string, pass: string) => `${head}${stars(pass)}@`);
  // One cheap test first: notes are made for every evaluated config expression.
  if (/[sr]k_|gh[pousr]_|github_pat_|xox|AKIA|base64:|eyJ/.test(out)) {
    for (const shape of TOKEN_SHAPES) out = out.replace(shape, (m, secret: string) => m.slice(0, m.length - secret.length) + stars(secret));
  }
  return out;
}
