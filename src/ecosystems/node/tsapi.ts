import type { ts as TS } from 'ts-morph';

/**
 * The TypeScript compiler API, loaded once by the Node ecosystem's `load()` (never by detection, so a
 * Laravel-only audit does not pay for it). Helpers and rules read it through this live binding.
 */
// eslint-disable-next-line import/no-mutable-exports
export let ts: typeof TS;
/** The parse options of the language adapter (no JSDoc), for files the ecosystem parses itself. */
// eslint-disable-next-line import/no-mutable-exports
export let PARSE_OPTIONS: TS.CreateSourceFileOptions;

/** The adapter's parse that the rule pass can reuse (see ts-adapter's parseProjectFile). */
// eslint-disable-next-line import/no-mutable-exports
export let parseProjectFile: (fileName: string, text: string, kind: TS.ScriptKind) => TS.SourceFile;
// eslint-disable-next-line import/no-mutable-exports
export let clearParsedTrees: () => void;
// eslint-disable-next-line import/no-mutable-exports
export let scriptKindOf: (fileName: string) => TS.ScriptKind;

export async function loadTs(): Promise<typeof TS> {
  if (!ts) {
    const adapter = await import('../../lang/ts-adapter.js');
    ts = adapter.ts;
    PARSE_OPTIONS = adapter.PARSE_OPTIONS;
    parseProjectFile = adapter.parseProjectFile;
    clearParsedTrees = adapter.clearParsedTrees;
    scriptKindOf = adapter.scriptKindOf;
  }
  return ts;
}

export type Node = TS.Node;
export type Expression = TS.Expression;
export type SourceFile = TS.SourceFile;
