/**
 * The one interface every language sits behind (docs/ARCHITECTURE.md, "Languages"). The engine
 * parses a file through its adapter and hands rules the adapter's own node type; nothing outside
 * src/lang knows which parser a language uses.
 */
export type LanguageId = 'php' | 'blade' | 'ts' | 'js';

/** Half-open UTF-16 offsets into the file's text. */
export type Span = readonly [start: number, end: number];

export interface ParsedFile<N> {
  root: N;
  /** The smallest named node at each match of a pattern (prefilter hits), in source order. */
  nodesAt(pattern: RegExp): N[];
  /** First syntax error, as an offset; undefined when the file parsed cleanly. */
  firstError(): number | undefined;
  /** Frees the parser's memory (tree-sitter trees live in WebAssembly memory). */
  dispose(): void;
}

export interface LanguageAdapter<N = unknown> {
  id: LanguageId;
  /** How comments are written: inline suppressions and fixture annotations use it. */
  comments: { line: string[]; block: [open: string, close: string][] };
  parse(text: string): Promise<ParsedFile<N>>;
  /** Where a node stands in the text, for locations and fix edits. */
  span(node: N): Span;
}

/** The language of a file by its name; undefined for files no adapter reads. */
export function languageOf(file: string): LanguageId | undefined {
  if (file.endsWith('.blade.php')) return 'blade';
  if (file.endsWith('.php')) return 'php';
  if (/\.(ts|tsx|mts|cts)$/.test(file)) return 'ts';
  if (/\.(js|jsx|mjs|cjs)$/.test(file)) return 'js';
  return undefined;
}

/** Adapters load on first use, so an audit pays only for the parsers its files need. */
const loaders: Partial<Record<LanguageId, () => Promise<LanguageAdapter<any>>>> = {
  php: async () => (await import('./php-adapter.js')).phpAdapter,
  blade: async () => (await import('./php-adapter.js')).bladeAdapter,
  ts: async () => (await import('./ts-adapter.js')).tsAdapter,
  js: async () => (await import('./ts-adapter.js')).jsAdapter,
};
const loaded = new Map<LanguageId, Promise<LanguageAdapter<any>>>();

export function hasAdapter(id: LanguageId): boolean {
  return id in loaders;
}

export function loadAdapter(id: LanguageId): Promise<LanguageAdapter<any>> {
  const load = loaders[id];
  if (!load) return Promise.reject(new Error(`no language adapter for ${id}`));
  let p = loaded.get(id);
  if (!p) loaded.set(id, (p = load()));
  return p;
}
