import { LIMITS } from '../lang/budget.js';
import type { Location } from './finding.js';

/** Where a resolved value was decided, with a short human note ("SESSION_DRIVER=file"). */
export interface Origin extends Location {
  note: string;
  /** Set when the origin is a line of an env file (it then decides over the config expression). */
  fromEnv?: boolean;
  /** Half-open UTF-16 offsets of the deciding expression in `file` (real files only), for fixes. */
  span?: [number, number];
}

export type Scalar = string | number | boolean | null;

interface Base {
  /** The line that decides this value (env line, or the config expression when no env file sets it). */
  origin: Origin;
  /** Other lines that took part (the config line that reads the env var, ...). */
  via: Origin[];
  /** Built from a secret (an env value of a secret key, or one expanded from it): never displayed. */
  secret?: boolean;
}

export interface ArrayEntry {
  key: string | number;
  value: Val;
}

export type Val =
  | (Base & { t: 'scalar'; v: Scalar })
  | (Base & { t: 'array'; entries: ArrayEntry[] })
  | (Base & { t: 'unknown'; why: string });

export function scalar(v: Scalar, origin: Origin, via: Origin[] = []): Val {
  return { t: 'scalar', v, origin, via };
}

export function unknown(why: string, origin: Origin, via: Origin[] = []): Val {
  return { t: 'unknown', why, origin, via };
}

export function entry(arr: Val | undefined, key: string | number): Val | undefined {
  if (!arr || arr.t !== 'array') return undefined;
  for (let i = arr.entries.length - 1; i >= 0; i--) if (arr.entries[i].key === key) return arr.entries[i].value;
  return undefined;
}

/** Follows a dotted path (`stores.redis.driver`) through nested arrays. */
export function at(root: Val | undefined, path: string): Val | undefined {
  let cur = root;
  for (const part of path.split('.')) {
    if (!cur) return undefined;
    if (cur.t === 'unknown') return cur;
    cur = entry(cur, part);
  }
  return cur;
}

export function asString(v: Val | undefined): string | undefined {
  return v?.t === 'scalar' && v.v !== null && typeof v.v !== 'boolean' ? String(v.v) : undefined;
}

const cells = new WeakMap<Val, number>();

/** Records how many scalars and entries an array holds, counting nested arrays (set where arrays are built). */
export function setCells(v: Val, n: number): Val {
  cells.set(v, n);
  return v;
}

/** Size of a value for the evaluator's budget: 1 for a scalar, the recorded count for an array. */
export function cellsOf(v: Val): number {
  if (v.t !== 'array') return 1;
  return cells.get(v) ?? 1 + v.entries.length;
}

/** `via` lists joined, keeping the first LIMITS.viaEntries lines (a value doubled 40 times must not list 2^40). */
export function joinVia(...lists: Origin[][]): Origin[] {
  const out: Origin[] = [];
  for (const list of lists) {
    for (const o of list) {
      if (out.length >= LIMITS.viaEntries) return out;
      out.push(o);
    }
  }
  return out;
}

/**
 * Short display of a value for messages and the effective-config table: at most
 * LIMITS.displayChars characters, secrets as <redacted>. Iterative, so nesting depth is no risk.
 */
export function display(v: Val | undefined): string {
  if (!v) return '(not set)';
  let out = '';
  const stack: (Val | string)[] = [v];
  while (stack.length && out.length <= LIMITS.displayChars) {
    const x = stack.pop()!;
    if (typeof x === 'string') out += x;
    else if (x.secret) out += '<redacted>';
    else if (x.t === 'unknown') out += `(unknown: ${x.why})`;
    else if (x.t === 'array') {
      stack.push(']');
      for (let i = x.entries.length - 1; i >= 0; i--) {
        stack.push(x.entries[i].value);
        if (i > 0) stack.push(', ');
      }
      stack.push('[');
    } else out += x.v === null ? 'null' : typeof x.v === 'string' ? x.v : String(x.v);
  }
  return out.length > LIMITS.displayChars || stack.length ? `${out.slice(0, LIMITS.displayChars)}...` : out;
}

/** array_merge() semantics: string keys override, integer keys append. Linear in both arrays. */
export function arrayMerge(base: Val, over: Val): Val {
  if (base.t !== 'array' || over.t !== 'array') return over;
  const overridden = new Set(over.entries.map((o) => o.key));
  const entries = base.entries.filter((e) => typeof e.key === 'string' && !overridden.has(e.key));
  const ints = base.entries.filter((e) => typeof e.key === 'number');
  const merged = [...entries, ...over.entries.filter((e) => typeof e.key === 'string')];
  let next = 0;
  for (const e of [...ints, ...over.entries.filter((o) => typeof o.key === 'number')]) merged.push({ key: next++, value: e.value });
  return setCells({ ...over, entries: merged }, cellsOf(base) + cellsOf(over));
}

/**
 * Where a value came from, for messages: "SESSION_DRIVER=file in .env", "FILESYSTEM_DISK is not set,
 * so the default in config/filesystems.php applies", "set in config/app.php", or a framework default.
 */
export function describeOrigin(v: Val): string {
  const o = v.origin;
  if (o.fromEnv) return `${o.note} in ${o.file}`;
  if (o.note.startsWith('assumed ')) return o.note;
  if (/ framework default/.test(o.note) || o.file.startsWith('(')) return `the ${o.note}`;
  const unset = v.via.map((x) => /^(\w+) is not set in any env file/.exec(x.note)).find(Boolean);
  if (unset) return `${unset[1]} is not set, so the default in ${o.file} applies`;
  return `set in ${o.file}`;
}
