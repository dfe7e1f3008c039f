import { createRequire } from 'node:module';
import type { ts as TS } from 'ts-morph';
import type { LanguageAdapter, ParsedFile } from './adapter.js';

/**
 * TypeScript and JavaScript on the TypeScript compiler API bundled with ts-morph (docs/ARCHITECTURE.md,
 * "Languages"). Only `createSourceFile` is used: no program, no type checker, no ts-morph wrappers
 * (their node walk is an order of magnitude slower). This module is imported only when a Node server
 * app is audited (`loadAdapter('ts' | 'js')`), so a Laravel audit never loads the compiler.
 */
// The compiler bundled with ts-morph, required directly: ts-morph's own wrappers (ts-morph.js and
// ts-morph-common.js, 4 MB) are never used here, so they are not loaded.
// Resolved from ts-morph's own location, so a nested (not hoisted) @ts-morph/common is found too.
const fromTsMorph = createRequire(createRequire(import.meta.url).resolve('ts-morph'));
const ts: typeof TS = fromTsMorph('@ts-morph/common/dist/typescript.js');
/** JSDoc is not read by any rule: skipping it makes the parse cheaper. */
export const PARSE_OPTIONS: TS.CreateSourceFileOptions = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };
export type TsNode = TS.Node;
export { ts };

function parseDiagnostics(sf: TS.SourceFile): readonly TS.Diagnostic[] {
  return (sf as unknown as { parseDiagnostics?: TS.Diagnostic[] }).parseDiagnostics ?? [];
}

/** Parses TS/JS text; `.ts` that fails as TS is retried as TSX (the adapter does not know the file name). */
export function parseTs(text: string, language: 'ts' | 'js', fileName = language === 'ts' ? 'file.ts' : 'file.jsx'): TS.SourceFile {
  const kindOf = (name: string) =>
    /\.tsx$/.test(name) ? ts.ScriptKind.TSX : /\.(m|c)?ts$/.test(name) ? ts.ScriptKind.TS : ts.ScriptKind.JSX;
  const kind = kindOf(fileName);
  const sf = ts.createSourceFile(fileName, text, PARSE_OPTIONS, true, kind);
  if (kind === ts.ScriptKind.TS && parseDiagnostics(sf).length) {
    const tsx = ts.createSourceFile(fileName.replace(/\.\w+$/, '.tsx'), text, PARSE_OPTIONS, true, ts.ScriptKind.TSX);
    if (!parseDiagnostics(tsx).length) return tsx;
  }
  return sf;
}

/** The smallest node whose [start, end) holds the offset. */
export function nodeAt(sf: TS.SourceFile, offset: number): TS.Node {
  let cur: TS.Node = sf;
  for (;;) {
    let next: TS.Node | undefined;
    ts.forEachChild(cur, (c) => {
      if (c.getStart(sf) <= offset && offset < c.end) {
        next = c;
        return true;
      }
      return undefined;
    });
    if (!next) return cur;
    cur = next;
  }
}

function wrap(sf: TS.SourceFile): ParsedFile<TS.Node> {
  return {
    root: sf,
    nodesAt(pattern) {
      const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
      const out: TS.Node[] = [];
      const seen = new Set<TS.Node>();
      for (const m of sf.text.matchAll(re)) {
        const n = nodeAt(sf, m.index ?? 0);
        if (!seen.has(n)) out.push(n);
        seen.add(n);
      }
      return out;
    },
    firstError: () => parseDiagnostics(sf)[0]?.start,
    dispose: () => undefined,
  };
}

const span = (n: TS.Node) => [n.getStart(), n.end] as const;
const comments: LanguageAdapter['comments'] = { line: ['//'], block: [['/*', '*/']] };

export const tsAdapter: LanguageAdapter<TS.Node> = { id: 'ts', comments, parse: async (text) => wrap(parseTs(text, 'ts')), span };
export const jsAdapter: LanguageAdapter<TS.Node> = { id: 'js', comments, parse: async (text) => wrap(parseTs(text, 'js')), span };
