import { createRequire } from 'node:module';
import { Language, Parser, type Node, type Tree } from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

/** One parser per grammar per process, loaded on first use; trees must be freed with tree.delete(). */
let phpParser: Promise<Parser> | undefined;
let phpOnlyParser: Promise<Parser> | undefined;
let runtime: Promise<void> | undefined;

async function load(grammar: string): Promise<Parser> {
  runtime ??= Parser.init();
  await runtime;
  const parser = new Parser();
  parser.setLanguage(await Language.load(require.resolve(`tree-sitter-php/${grammar}`)));
  return parser;
}

/** The parser for PHP files (with `<?php` tags). */
export async function phpParsers(): Promise<{ php: Parser }> {
  phpParser ??= load('tree-sitter-php.wasm');
  return { php: await phpParser };
}

/**
 * Same-length rewrites for valid PHP that tree-sitter-php 0.24 does not parse, so offsets stay exact:
 * a trailing comma in a group use (`use A\{B, C,};`) and PHP 8.5's `clone($object, [...])` with
 * arguments (read as a call to `clon_`, which no rule looks at).
 */
export function patchGrammarGaps(text: string): string {
  let out = text;
  if (out.includes('{')) out = out.replace(/(\buse\s+[\w\\]+\\\{[^{}]*?),((?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*\})/g, (_, head: string, tail: string) => `${head} ${tail}`);
  if (out.includes('clone')) out = out.replace(/(?<![\w$\\]|->|::|function\s{1,20})clone(?=\s*\()/g, 'clon_');
  return out;
}

/** Parses a PHP file (with `<?php` tags) or, with `phpOnly`, bare PHP code such as Blade's shadow document. */
export async function parsePhp(text: string, phpOnly = false): Promise<Tree> {
  const parser = phpOnly ? await (phpOnlyParser ??= load('tree-sitter-php_only.wasm')) : (await phpParsers()).php;
  const tree = parser.parse(patchGrammarGaps(text));
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** First syntax error position (0-based offset) in the tree, or undefined when it parsed cleanly. */
export function firstSyntaxError(tree: Tree): Node | undefined {
  if (!tree.rootNode.hasError) return undefined;
  const walk = (n: Node): Node | undefined => {
    if (n.isError || n.isMissing) return n;
    for (const c of n.children) {
      if (c && (c.hasError || c.isMissing)) {
        const hit = walk(c);
        if (hit) return hit;
      }
    }
    return undefined;
  };
  return walk(tree.rootNode);
}

/** The argument expressions of a call (named arguments keep their name). */
export function callArgs(n: Node): { name?: string; value: Node }[] {
  const args = n.childForFieldName('arguments');
  if (!args) return [];
  const out: { name?: string; value: Node }[] = [];
  for (const a of args.namedChildren) {
    if (!a || a.type !== 'argument') continue;
    const value = a.namedChildren[a.namedChildren.length - 1];
    if (!value) continue;
    const nameNode = a.childForFieldName('name');
    out.push({ name: nameNode?.text, value });
  }
  return out;
}

/** The receiver of a member call (`$x` in `$x->m()`), or the class of a static call. */
export function callTarget(n: Node): Node | null {
  if (n.type === 'scoped_call_expression') return n.childForFieldName('scope');
  return n.childForFieldName('object');
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', v: '\v', f: '\f', e: '\x1b', '\\': '\\', $: '$', '"': '"', '0': '\0' };

/**
 * The value of a string literal without interpolation, or undefined when the node is not a
 * constant string (interpolated "a$b", heredoc with variables, anything else).
 */
export function stringLiteral(n: Node | null | undefined): string | undefined {
  if (!n) return undefined;
  if (n.type === 'string') {
    // Single-quoted: only \' and \\ are escapes.
    const raw = n.text;
    const body = raw.startsWith("'") ? raw.slice(1, -1) : raw.replace(/^[bB]?'/, '').slice(0, -1);
    return body.replace(/\\(['\\])/g, '$1');
  }
  if (n.type === 'encapsed_string' || n.type === 'heredoc' || n.type === 'nowdoc') {
    let out = '';
    const parts = n.type === 'encapsed_string' ? n.namedChildren : (n.childForFieldName('value')?.namedChildren ?? []);
    for (const c of parts) {
      if (!c) continue;
      if (c.type === 'string_content' || c.type === 'nowdoc_string' || c.type === 'string_value') out += c.text;
      else if (c.type === 'escape_sequence') out += SIMPLE_ESCAPES[c.text.slice(1)] ?? c.text;
      else return undefined;
    }
    return out;
  }
  return undefined;
}

/**
 * Anchored lookup (docs/ARCHITECTURE.md, "Speed"): for each regex hit in the source, the smallest named node
 * at that offset, so rules inspect the tree only where the prefilter matched.
 */
export function nodesAtMatches(tree: Tree, text: string, pattern: RegExp): Node[] {
  const re = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
  const out: Node[] = [];
  for (const m of text.matchAll(re)) {
    const node = tree.rootNode.namedDescendantForIndex(m.index ?? 0);
    if (node) out.push(node);
  }
  return out;
}

/** Climbs from a node to the closest ancestor (or itself) of one of the given types. */
export function closest(n: Node | null, types: ReadonlySet<string> | string): Node | null {
  const match = typeof types === 'string' ? (t: string) => t === types : (t: string) => types.has(t);
  for (let cur = n; cur; cur = cur.parent) if (match(cur.type)) return cur;
  return null;
}

export interface FileImports {
  namespace?: string;
  /** `use A\B\C as D;` -> D => A\B\C */
  classes: Map<string, string>;
  /** `use function A\b as c;` -> c => A\b */
  functions: Map<string, string>;
}

/** The namespace and `use` imports of a PHP file (top level and inside namespace blocks). */
export function fileImports(root: Node): FileImports {
  const out: FileImports = { classes: new Map(), functions: new Map() };
  const visit = (n: Node) => {
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'namespace_definition') {
        out.namespace ??= c.childForFieldName('name')?.text;
        const body = c.childForFieldName('body');
        if (body) visit(body);
      } else if (c.type === 'namespace_use_declaration') {
        const isFunction = c.children.some((k) => k?.type === 'function');
        const prefix = c.namedChildren.find((k) => k?.type === 'namespace_name')?.text;
        const clauses = c.namedChildren.flatMap((k) => (k?.type === 'namespace_use_group' ? k.namedChildren : [k]));
        for (const clause of clauses) {
          if (!clause || (clause.type !== 'namespace_use_clause' && clause.type !== 'namespace_use_group_clause')) continue;
          const parts = clause.namedChildren.filter((k): k is Node => !!k);
          const target = parts[0];
          if (!target) continue;
          const alias = clause.childForFieldName('alias')?.text ?? (parts.length > 1 ? parts[parts.length - 1].text : undefined);
          const fq = (prefix ? `${prefix}\\${target.text}` : target.text).replace(/^\\/, '');
          const key = alias ?? fq.split('\\').pop()!;
          const clauseIsFunction = isFunction || clause.children.some((k) => k?.type === 'function');
          (clauseIsFunction ? out.functions : out.classes).set(key, fq);
        }
      }
    }
  };
  visit(root);
  return out;
}

/** Fully qualified name of a class reference as written in a file. */
export function resolveClassName(name: string, imports: FileImports): string {
  if (name.startsWith('\\')) return name.slice(1);
  const [head, ...rest] = name.split('\\');
  const fq = imports.classes.get(head);
  if (fq) return [fq, ...rest].join('\\');
  return imports.namespace ? `${imports.namespace}\\${name}` : name;
}

const FUNCTION_LIKE = new Set(['function_definition', 'method_declaration', 'anonymous_function', 'arrow_function']);

/** The closest enclosing function, method, closure or arrow function. */
export function enclosingFunction(n: Node): Node | null {
  return closest(n.parent, FUNCTION_LIKE);
}

/** Parameters of a function-like node: name (with $) and declared type text. */
export function parameters(fn: Node): { name: string; type?: string }[] {
  const params = fn.childForFieldName('parameters');
  if (!params) return [];
  const out: { name: string; type?: string }[] = [];
  for (const p of params.namedChildren) {
    if (!p || !/parameter/.test(p.type)) continue;
    const name = p.childForFieldName('name')?.text;
    if (name) out.push({ name, type: p.childForFieldName('type')?.text });
  }
  return out;
}
