/**
 * Every limit that keeps an audit of a hostile repository linear or bounded, in one place so the
 * numbers can be reviewed together. Exceeding one never crashes or hangs the audit: the value
 * becomes "unknown" with the reason, or the file is listed as not analysed, and the checklist row
 * that depended on it says unknown instead of pass.
 */

const KiB = 1024;
const MiB = 1024 * KiB;

export const LIMITS = {
  /** Source files (PHP, Blade) larger than this are skipped unless --max-file-size raises it. */
  sourceBytes: 2 * MiB,
  /**
   * Bytes handed to tree-sitter in one parse, whatever --max-file-size says. Measured: the parser
   * needs up to ~200 bytes of WASM memory per input byte (deeply nested input: 4 MiB -> 1.5 GB)
   * and aborts near 2 GB, which kills the parser for every later file.
   */
  parseBytes: 4 * MiB,
  /** Wall-clock limit for one parse (a 2 MiB file of backticks takes ~50 s; ordinary 1 MiB files ~2 s). */
  parseMillis: 60_000,
  /**
   * A WASM failure (abort, out-of-bounds access on crafted input) leaves the runtime unusable; it is
   * replaced by a fresh one at most this many times (each costs ~150 ms and may keep its memory),
   * then the remaining files are listed as not analysed.
   */
  parserRestarts: 8,
  /** composer.json, composer.lock, .gitignore, statelint.config.json, baselines. */
  metadataBytes: 16 * MiB,
  /** Config files and env files follow --max-file-size; this is their floor so a small cap never hides config. */
  configBytes: 2 * MiB,

  /** Static evaluator, per config file. */
  evalDepth: 256,
  /** evaluate() calls: each node is evaluated at most once, so this only stops a pathological file. */
  evalSteps: 1_000_000,
  /** Characters produced by string operations (concatenation, slug, case functions) in one file. */
  evalChars: 64 * MiB,
  /** One string value. */
  stringLength: 64 * KiB,
  /** Scalars and array entries in one value, counting shared sub-arrays once per use. */
  valueCells: 100_000,
  /** Lines listed as taking part in a value (the rest are dropped, the first ones decide). */
  viaEntries: 16,
  /** display() of a value in messages and tables. */
  displayChars: 500,

  /** One env value after ${VAR} expansion. */
  envValueLength: 64 * KiB,
  /** All expanded env values of one audit together. */
  envExpansionTotal: 8 * MiB,

  /** Lines longer than this are fingerprinted by digest, shown as a window, and suppression-checked in part. */
  longLine: 4096,
  /** Characters of a long line shown around the finding in pretty output. */
  excerptWidth: 160,
} as const;

/** Bytes, for messages: "4 MiB", "512 KiB". */
export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  return `${Math.max(1, Math.round(n / KiB))} KiB`;
}
