import { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { LineIndex, type Location } from '../../lang/source-text.js';

/**
 * YAML read with source positions (the `yaml` library keeps every node's range): manifests are walked
 * as nodes, never turned into plain objects, so a finding can point at the line that says it.
 */
export interface YamlFile {
  file: string;
  text: string;
  lines: LineIndex;
  docs: YamlDoc[];
  /** First syntax error ("line 3: ..."), when the file is malformed. */
  error?: string;
}

export interface YamlDoc {
  doc: Document.Parsed;
  root: Node | null;
}

export function parseYamlFile(file: string, text: string): YamlFile {
  const lines = new LineIndex(text);
  const out: YamlFile = { file, text, lines, docs: [] };
  try {
    for (const doc of parseAllDocuments(text, { merge: true, uniqueKeys: false, strict: false })) {
      if ('errors' in doc && doc.errors.length) {
        const e = doc.errors[0];
        const pos = lines.position(e.pos[0]);
        out.error ??= `YAML parse error at ${pos.line}:${pos.column}: ${e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}; file partly analysed`;
        continue;
      }
      out.docs.push({ doc: doc as Document.Parsed, root: (doc.contents as Node | null) ?? null });
    }
  } catch (e) {
    out.error = `YAML parse error: ${(e as Error).message.split('\n')[0]}`;
  }
  return out;
}

/** `<<` (a merge key: the library reads it as a symbol when merge keys are on). */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === '<<' || (key as { source?: string }).source === '<<' || typeof key.value === 'symbol');
}

export class Y {
  constructor(readonly f: YamlFile, readonly doc: Document.Parsed) {}

  /** Follows aliases (`*base`). */
  deref(n: unknown): Node | null {
    let cur = n as Node | null;
    for (let i = 0; i < 8 && cur && isAlias(cur); i++) cur = cur.resolve(this.doc) as Node | null;
    return cur ?? null;
  }

  /** The pair of a map key, following `<<: *base` merge keys. */
  pair(map: unknown, key: string): Pair | undefined {
    const m = this.deref(map);
    if (!isMap(m)) return undefined;
    for (const p of (m as YAMLMap).items) if (isScalar(p.key) && !isMergeKey(p.key) && String(p.key.value) === key) return p as Pair;
    for (const p of (m as YAMLMap).items) {
      if (!(isScalar(p.key) && isMergeKey(p.key))) continue;
      const bases = isSeq(this.deref(p.value)) ? (this.deref(p.value) as any).items : [p.value];
      for (const b of bases) {
        const hit = this.pair(b, key);
        if (hit) return hit;
      }
    }
    return undefined;
  }

  get(node: unknown, ...path: string[]): Node | null {
    let cur = this.deref(node);
    for (const k of path) {
      const p = this.pair(cur, k);
      if (!p) return null;
      cur = this.deref(p.value);
    }
    return cur;
  }

  str(node: unknown, ...path: string[]): string | undefined {
    const n = path.length ? this.get(node, ...path) : this.deref(node);
    if (!isScalar(n) || n.value === null || n.value === undefined) return undefined;
    return String(n.value);
  }

  num(node: unknown, ...path: string[]): number | undefined {
    const s = this.str(node, ...path);
    const v = s === undefined ? NaN : Number(s);
    return Number.isFinite(v) ? v : undefined;
  }

  items(node: unknown): Node[] {
    const n = this.deref(node);
    return isSeq(n) ? (n.items as Node[]).map((i) => this.deref(i)).filter((i): i is Node => !!i) : [];
  }

  /** Key/value pairs of a map (merge keys included, own keys win). */
  entries(node: unknown): { key: string; value: Node | null; pair: Pair }[] {
    const m = this.deref(node);
    if (!isMap(m)) return [];
    const out: { key: string; value: Node | null; pair: Pair }[] = [];
    const seen = new Set<string>();
    for (const p of (m as YAMLMap).items) {
      if (!isPair(p) || !isScalar(p.key)) continue;
      if (isMergeKey(p.key)) continue;
      const key = String(p.key.value);
      seen.add(key);
      out.push({ key, value: this.deref(p.value), pair: p as Pair });
    }
    for (const p of (m as YAMLMap).items) {
      if (!(isScalar(p.key) && isMergeKey(p.key))) continue;
      const bases = isSeq(this.deref(p.value)) ? (this.deref(p.value) as any).items : [p.value];
      for (const b of bases) for (const e of this.entries(b)) if (!seen.has(e.key)) (seen.add(e.key), out.push(e));
    }
    return out;
  }

  /** The line of a node (first line only, so the excerpt is the `key: value` line). */
  loc(node: unknown): Location {
    const n = node as { range?: [number, number, number] } | null;
    const start = n?.range?.[0] ?? 0;
    const line = this.f.lines.lineOf(start);
    const lineEnd = start + this.f.lines.lineText(line).length - (this.f.lines.position(start).column - 1);
    return this.f.lines.location(this.f.file, start, Math.max(start, Math.min(n?.range?.[1] ?? start, lineEnd)));
  }

  /** The `key: value` line of a map key. */
  keyLoc(map: unknown, key: string): Location | undefined {
    const p = this.pair(map, key);
    return p ? this.loc(p.key) : undefined;
  }
}

export { isMap, isScalar, isSeq };
