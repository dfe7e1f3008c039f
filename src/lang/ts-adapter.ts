import { ts } from 'ts-morph';
import type { LanguageAdapter, ParsedFile } from './adapter.js';

/**
 * TypeScript and JavaScript on the TypeScript compiler API bundled with ts-morph (docs/ARCHITECTURE.md,
 * "Languages"). Only `createSourceFile` is used: no program, no type checker, no ts-morph wrappers
 * (their node walk is an order of magnitude slower). This module is imported only when a Node server
 * app is audited (`loadAdapter('ts' | 'js')`), so a Laravel audit never loads the compiler.
 */
export type TsNode = ts.Node;
export { ts };

function parseDiagnostics(sf: ts.SourceFile): readonly ts.Diagnostic[] {
  return (sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
}

/** Parses TS/JS text; `.ts` that fails as TS is retried as TSX (the adapter does not know the file name). */
export function parseTs(text: string, language: 'ts' | 'js', fileName = language === 'ts' ? 'file.ts' : 'file.jsx'): ts.SourceFile {
  const kindOf = (name: string) =>
    /\.tsx$/.test(name) ? ts.ScriptKind.TSX : /\.(m|c)?ts$/.test(name) ? ts.ScriptKind.TS : ts.ScriptKind.JSX;
  const kind = kindOf(fileName);
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  if (kind === ts.ScriptKind.TS && parseDiagnostics(sf).length) {
    const tsx = ts.createSourceFile(fileName.replace(/\.\w+$/, '.tsx'), text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
    if (!parseDiagnostics(tsx).length) return tsx;
  }
  return sf;
}

/** The smallest node whose [start, end) holds the offset. */
export function nodeAt(sf: ts.SourceFile, offset: number): ts.Node {
  let cur: ts.Node = sf;
  for (;;) {
    let next: ts.Node | undefined;
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

function wrap(sf: ts.SourceFile): ParsedFile<ts.Node> {
  return {
    root: sf,
    nodesAt(pattern) {
      const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
      const out: ts.Node[] = [];
      const seen = new Set<ts.Node>();
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

const span = (n: ts.Node) => [n.getStart(), n.end] as const;
const comments: LanguageAdapter['comments'] = { line: ['//'], block: [['/*', '*/']] };

export const tsAdapter: LanguageAdapter<ts.Node> = { id: 'ts', comments, parse: async (text) => wrap(parseTs(text, 'ts')), span };
export const jsAdapter: LanguageAdapter<ts.Node> = { id: 'js', comments, parse: async (text) => wrap(parseTs(text, 'js')), span };
