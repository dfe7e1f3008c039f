import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Language as LanguageT, Node, Parser as ParserT, Tree } from 'web-tree-sitter';
import { formatBytes, LIMITS } from './budget.js';
import { applyWasmTier } from './wasm-tier.js';

export type { Node as SyntaxNode, Tree } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

/**
 * A parse that did not produce a tree: too large, too slow, or tree-sitter's WASM runtime failed on
 * this input. The message is the reason the file is listed as not analysed; other files go on.
 */
export class ParseFailure extends Error {}

/** One web-tree-sitter runtime with its two grammars, loaded on first use. */
interface Runtime {
  php?: Promise<ParserT>;
  phpOnly?: Promise<ParserT>;
  module: Promise<typeof import('web-tree-sitter')>;
}

let runtime: Runtime | undefined;
let restarts = 0;
const graveyard: Runtime[] = [];

/**
 * web-tree-sitter keeps one WASM instance per loaded module, and an abort (memory exhausted) or an
 * out-of-bounds access (crafted input: `"{$` nested 2,500 deep) leaves it unusable: every later
 * parse fails. The only way to a fresh instance is a fresh copy of the module, imported under
 * another URL. The failed file is reported; the next file gets a new runtime (up to
 * LIMITS.parserRestarts times).
 */
function currentRuntime(): Runtime {
  if (!runtime) {
    applyWasmTier();
    // The ESM build sits beside the CommonJS one that require.resolve names.
    const fresh = () => `${pathToFileURL(require.resolve('web-tree-sitter').replace(/\.cjs$/, '.js')).href}?runtime=${restarts}`;
    const module = (restarts === 0 ? import('web-tree-sitter') : import(fresh())) as Promise<typeof import('web-tree-sitter')>;
    runtime = { module: module.then(async (m) => (await m.Parser.init(), m)) };
  }
  return runtime;
}

/** Time spent loading tree-sitter and compiling grammars (for --timing; src/lang cannot import the engine's recorder). */
export const parserLoad = { ms: 0 };

async function load(rt: Runtime, grammar: string): Promise<ParserT> {
  const t = performance.now();
  const { Language, Parser } = await rt.module;
  const parser = new Parser();
  parser.setLanguage((await Language.load(require.resolve(`tree-sitter-php/${grammar}`))) as LanguageT);
  parserLoad.ms += performance.now() - t;
  return parser;
}

/** The parser for PHP files (with `<?php` tags). Prefer parsePhp(), which contains failures. */
export async function phpParsers(): Promise<{ php: ParserT }> {
  const rt = currentRuntime();
  rt.php ??= load(rt, 'tree-sitter-php.wasm');
  return { php: await rt.php };
}

/**
 * Same-length rewrites for valid PHP that tree-sitter-php 0.24 does not parse, so offsets stay exact:
 * a trailing comma in a group use (`use A\{B, C,};`), PHP 8.5's `clone($object, [...])` with
 * arguments (read as a call to `clon_`, which no rule looks at), and keyword-named properties in strings.
 * The group-use patch is a scanner, not a regex: the regex it replaces backtracked exponentially on
 * `use A\{B,////...x` and quadratically on `use A\{B,/*,/*,...`. Linear: each group is scanned once,
 * up to its first brace.
 */
export function patchGrammarGaps(text: string): string {
  let out = text;
  if (out.includes('{')) out = patchGroupUseCommas(out);
  if (out.includes('clone')) out = out.replace(/(?<![\w$\\]|->|::|function\s{1,20})clone(?=\s*\()/g, 'clon_');
  if (out.includes('->')) out = out.replace(KEYWORD_PROPERTY, (_m, head: string, word: string) => `${head}${word.slice(0, -1)}_`);
  return out;
}

/**
 * A property named like a keyword after a plain variable, `"\0$item->class\0$key"` (symfony/var-dumper, which
 * freescout keeps a copy of): tree-sitter-php 0.24 rejects it inside a double-quoted string, heredoc or backticks.
 * Rewritten everywhere but before `(` (a method call parses): outside strings it parses either way, and no rule
 * reads such a property's name.
 */
const KEYWORD_PROPERTY =
  /(\$[A-Za-z_\x80-\uffff][\w\x80-\uffff]*->)(abstract|and|break|callable|case|catch|class|clone|const|continue|declare|default|do|echo|else|elseif|enddeclare|endfor|endforeach|endif|endswitch|endwhile|extends|final|finally|fn|for|foreach|function|global|goto|if|implements|include|include_once|instanceof|insteadof|interface|match|namespace|new|or|print|private|protected|public|readonly|require|require_once|return|static|switch|throw|trait|try|use|var|while|xor|yield)(?![\w\x80-\uffff]|\s*\()/gi;

function patchGroupUseCommas(text: string): string {
  const commas: number[] = [];
  const head = /\buse\s+[\w\\]+\\\{/g;
  let commentEnd = -1; // last `*/` found, reused while it lies ahead: each search is then linear overall
  for (let m = head.exec(text); m; m = head.exec(text)) {
    let lastComma = -1;
    let i = head.lastIndex;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '{' || c === '}') break;
      if (c === ',') lastComma = i;
      else if (c === '/' && text[i + 1] === '/') {
        while (i < text.length && text[i] !== '\n') i++;
      } else if (c === '/' && text[i + 1] === '*') {
        if (commentEnd < i + 2) commentEnd = text.indexOf('*/', i + 2);
        if (commentEnd < 0) commentEnd = text.length; // unterminated: plain text from here on
        if (commentEnd >= text.length) {
          lastComma = -1;
          continue;
        }
        const brace = text.slice(i, commentEnd).search(/[{}]/);
        if (brace >= 0) {
          lastComma = -1;
          i += brace;
          break;
        }
        i = commentEnd + 1;
      } else if (!/\s/.test(c)) lastComma = -1;
    }
    if (text[i] === '}' && lastComma >= 0) commas.push(lastComma);
    head.lastIndex = Math.max(head.lastIndex, i);
  }
  if (!commas.length) return text;
  let out = '';
  let from = 0;
  for (const at of commas) {
    out += `${text.slice(from, at)} `;
    from = at + 1;
  }
  return out + text.slice(from);
}

/**
 * Parses a PHP file (with `<?php` tags) or, with `phpOnly`, bare PHP code such as Blade's shadow
 * document. Contained: more than LIMITS.parseBytes characters, more than LIMITS.parseMillis of
 * parsing, or a WASM failure throw a ParseFailure naming the reason, and the next parse works.
 */
export async function parsePhp(text: string, phpOnly = false): Promise<Tree> {
  if (text.length > LIMITS.parseBytes) {
    throw new ParseFailure(`larger than the parser's limit of ${formatBytes(LIMITS.parseBytes)} (${formatBytes(text.length)}); not analysed`);
  }
  if (restarts > LIMITS.parserRestarts) throw new ParseFailure(`not analysed: the parser failed on ${restarts} earlier files`);
  const rt = currentRuntime();
  let parser: ParserT;
  try {
    parser = phpOnly ? await (rt.phpOnly ??= load(rt, 'tree-sitter-php_only.wasm')) : await (rt.php ??= load(rt, 'tree-sitter-php.wasm'));
  } catch (e) {
    throw new ParseFailure(`the parser could not be loaded: ${(e as Error).message}`);
  }
  const deadline = Date.now() + LIMITS.parseMillis;
  let timedOut = false;
  let tree: Tree | null;
  try {
    tree = parser.parse(patchGrammarGaps(text), null, {
      progressCallback: () => (timedOut = Date.now() > deadline),
    });
  } catch (e) {
    // The runtime is dead after a WASM trap or abort: drop it, the next parse loads a fresh one.
    // Its parsers stay referenced: their FinalizationRegistry callbacks would call into the dead
    // instance on garbage collection and throw an uncaught error.
    if (runtime === rt) {
      graveyard.push(rt);
      runtime = undefined;
      restarts++;
    }
    throw new ParseFailure(`the parser failed on this file (${(e as Error).message.split('\n')[0].slice(0, 120)}); not analysed`);
  }
  if (timedOut) {
    tree?.delete();
    throw new ParseFailure(`parsing took longer than ${LIMITS.parseMillis / 1000} s; not analysed`);
  }
  if (!tree) throw new ParseFailure('tree-sitter returned no tree; not analysed');
  return tree;
}

/** Frees a tree; a tree of a runtime that has failed since cannot be freed and need not be. */
export function deleteTree(tree: Tree): void {
  try {
    tree.delete();
  } catch {
    // its runtime was replaced after a WASM failure
  }
}

/** First syntax error (or missing node) in document order, or undefined when it parsed cleanly. Iterative: nesting is unbounded. */
export function firstSyntaxError(tree: Tree): Node | undefined {
  if (!tree.rootNode.hasError) return undefined;
  const stack: Node[] = [tree.rootNode];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.isError || n.isMissing) return n;
    const bad = n.children.filter((c): c is Node => !!c && (c.hasError || c.isMissing));
    for (let i = bad.length - 1; i >= 0; i--) stack.push(bad[i]);
  }
  return undefined;
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
 * Anchored lookup (DESIGN.md section 5): for each regex hit in the source, the smallest named node
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

const importsCache = new WeakMap<Tree, Map<number, FileImports>>();

/**
 * The namespace and `use` imports of a PHP file (top level and inside namespace blocks). Cached per
 * tree: rules ask once per hit, and each answer walks every top-level statement, so a file with
 * many hits was quadratic.
 */
export function fileImports(root: Node): FileImports {
  let perTree = importsCache.get(root.tree);
  if (!perTree) importsCache.set(root.tree, (perTree = new Map()));
  const cached = perTree.get(root.id);
  if (cached) return cached;
  const out: FileImports = { classes: new Map(), functions: new Map() };
  perTree.set(root.id, out);
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
