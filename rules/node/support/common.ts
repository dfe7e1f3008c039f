import type { ts as T } from 'ts-morph';
import type { ProjectFacts } from '../../../src/engine/project-facts.js';
import type { FileContext } from '../../../src/engine/rule.js';
import type { RelatedLocation } from '../../../src/engine/finding.js';
import type { Origin } from '../../../src/engine/values.js';
import { enclosingFunction, importsOf as importsOfFile, qname, ts, unwrap } from '../../../src/ecosystems/node/ast.js';
import { evaluate, objectProps, originOf, valueNode, type ObjectProps } from '../../../src/ecosystems/node/evaluate.js';
import { nodeOf, type NodeFacts } from '../../../src/ecosystems/node/facts.js';

export type Node = T.Node;
export type Expression = T.Expression;
export type Call = T.CallExpression | T.NewExpression;

export const LANGUAGES: ('ts' | 'js')[] = ['ts', 'js'];

/** Rules look only at files reached from a server entry. */
export function serverFile(path: string, facts: ProjectFacts): boolean {
  return !!nodeOf(facts)?.serverFiles.has(path);
}

export interface Analysis {
  nf: NodeFacts;
  /** ctx.report, plus the callers of a wrapper function around the reported node as related lines. */
  report(input: Parameters<FileContext<Node>['report']>[0]): void;
  sf: T.SourceFile;
  ctx: FileContext<Node>;
  /** Every call and `new` in the file, in source order, with its qualified callee. */
  calls: { call: Call; q: string | undefined }[];
}

const callsOf = new WeakMap<T.SourceFile, Analysis['calls']>();

export function analyse(ctx: FileContext<Node>): Analysis {
  const nf = nodeOf(ctx.facts)!;
  const sf = ctx.file.root as T.SourceFile;
  nf.register(sf, ctx.file.path);
  // Every rule interested in a file walks the same tree: the calls and their qualified names are computed once, on
  // first use (node/in-memory-shared-state reads them only in files that name CacheModule).
  const callsOfFile = () => {
    let calls = callsOf.get(sf);
    if (!calls) {
      const found: Analysis['calls'] = [];
      const visit = (n: Node) => {
        if (ts.isCallExpression(n) || ts.isNewExpression(n)) found.push({ call: n, q: qname(n.expression) });
        ts.forEachChild(n, visit);
      };
      visit(sf);
      calls = found;
      callsOf.set(sf, calls);
    }
    return calls;
  };
  const report: Analysis['report'] = (input) => {
    const callers = input.node ? wrapperCallers(nf, ctx.file.path, input.node) : [];
    ctx.report(callers.length ? { ...input, related: [...(input.related ?? []), ...callers] } : input);
  };
  return {
    nf,
    sf,
    ctx,
    get calls() {
      return callsOfFile();
    },
    report,
  };
}

/** A value chosen by a condition that can be decided (`process.env.REDIS_URL ? redisStore : undefined`). */
export interface Chosen {
  node: Expression | undefined;
  /** Lines that decided the choice (the condition and the env line). */
  because: Origin[];
  /** The condition could not be decided: nothing is reported. */
  undecided?: boolean;
}

export function choose(nf: NodeFacts, e: Expression | undefined, depth = 0): Chosen {
  if (!e || depth > 8) return { node: e, because: [] };
  const v = valueNode(nf, e) ?? e;
  const u = unwrap(v);
  if (ts.isConditionalExpression(u)) {
    const cond = evaluate(nf, u.condition);
    if (cond.t !== 'scalar') return { node: u, because: [], undecided: true };
    const on = !(cond.v === null || cond.v === false || cond.v === '' || cond.v === 0);
    const inner = choose(nf, on ? u.whenTrue : u.whenFalse, depth + 1);
    const unset = /is not set in any env file/.test(cond.origin.note) ? `: ${cond.origin.note}` : cond.origin.fromEnv ? `: ${cond.origin.note} in ${cond.origin.file}` : '';
    const condOrigin = { ...originOf(nf, u.condition, `\`${u.condition.getText().slice(0, 60)}\` is ${on}${unset}`) };
    return { ...inner, because: [condOrigin, ...(cond.origin.fromEnv ? [cond.origin] : []), ...cond.via.filter((o) => o.file !== condOrigin.file || o.line !== condOrigin.line), ...inner.because] };
  }
  if (ts.isBinaryExpression(u) && (u.operatorToken.kind === ts.SyntaxKind.BarBarToken || u.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || u.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken)) {
    const left = evaluate(nf, u.left);
    if (left.t !== 'scalar' && u.operatorToken.kind !== ts.SyntaxKind.AmpersandAmpersandToken) return { node: u.left, because: [] };
    if (left.t !== 'scalar') return { node: u, because: [], undecided: true };
    const truthy = !(left.v === null || left.v === false || left.v === '' || left.v === 0);
    const op = u.operatorToken.kind;
    const takeRight = op === ts.SyntaxKind.AmpersandAmpersandToken ? truthy : op === ts.SyntaxKind.BarBarToken ? !truthy : left.v === null;
    const inner = choose(nf, takeRight ? u.right : u.left, depth + 1);
    const o = originOf(nf, u.left, `\`${u.left.getText().slice(0, 60)}\` is ${truthy ? 'set' : 'not set'}`);
    return { ...inner, because: [o, ...(left.origin.fromEnv ? [left.origin] : []), ...inner.because] };
  }
  return { node: v, because: [] };
}

export function isNullish(e: Expression | undefined): boolean {
  if (!e) return true;
  const u = unwrap(e);
  return u.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(u) && u.text === 'undefined') || ts.isVoidExpression(u);
}

export function related(because: Origin[], extra: RelatedLocation[] = []): RelatedLocation[] {
  const seen = new Set<string>();
  const out: RelatedLocation[] = [];
  for (const o of because) {
    const k = `${o.file}:${o.line}`;
    if (seen.has(k) || o.file.startsWith('(')) continue;
    seen.add(k);
    out.push({ file: o.file, line: o.line, message: o.note });
  }
  return [...out, ...extra];
}

export const whyText = (because: Origin[]) => (because.length ? ` (${because.map((b) => b.note).join('; ')})` : '');

/** The options of a call (argument `index`), resolved through variables, imports and spreads. */
export function options(nf: NodeFacts, call: Call, index = 0): ObjectProps | undefined | null {
  const a = call.arguments?.[index];
  if (!a) return null;
  return objectProps(nf, a);
}

export function lineOf(n: Node): number {
  const sf = n.getSourceFile();
  return sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
}

/** Is this function a request/connection handler (route callback, middleware, controller or gateway method)? */
export function isHandler(fn: T.FunctionLikeDeclaration): boolean {
  const names = fn.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : ''));
  if (names.some((n) => /^(?:req|request|res|response|reply|ctx|context|socket|client|next)$/.test(n))) return true;
  const parent = fn.parent;
  if (ts.isCallExpression(parent) && parent.arguments.includes(fn as unknown as Expression)) {
    const callee = parent.expression;
    if (ts.isPropertyAccessExpression(callee) && /^(?:get|post|put|patch|delete|del|all|use|route|on|once|handle|register|addHook|ws|subscribe)$/.test(callee.name.text)) return true;
  }
  if (ts.isMethodDeclaration(fn)) {
    const cls = fn.parent;
    if (ts.isClassDeclaration(cls) && ts.canHaveDecorators(cls)) {
      const decos = (ts.getDecorators(cls) ?? []).map((d) => d.expression.getText());
      if (decos.some((d) => /^(?:Controller|WebSocketGateway|Resolver|Injectable)\b/.test(d))) return true;
    }
  }
  return false;
}

export function insideHandler(n: Node): boolean {
  for (let fn = enclosingFunction(n); fn; fn = enclosingFunction(fn)) if (isHandler(fn)) return true;
  return false;
}

export { enclosingFunction, evaluate, objectProps, originOf, qname, ts, unwrap, valueNode };
export { moduleOf, stringValue, descendants, decoratorsOf, decoratorQname, propertyName } from '../../../src/ecosystems/node/ast.js';

/**
 * One construct, one finding: when the library call sits in a small named wrapper (`function makeLimiter(max) {
 * return rateLimit(...) }`), the finding stays at the library call and lists the wrapper's callers
 * (in this file and in server files that import it) as related lines.
 */
export function wrapperCallers(nf: NodeFacts, file: string, node: Node): RelatedLocation[] {
  const fn = enclosingFunction(node);
  if (!fn || isHandler(fn)) return [];
  const name = ts.isFunctionDeclaration(fn) || ts.isMethodDeclaration(fn) ? fn.name?.getText() : ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name) ? fn.parent.name.text : undefined;
  if (!name || ts.isMethodDeclaration(fn)) return [];
  const out: RelatedLocation[] = [];
  const scan = (sf: T.SourceFile, path: string, needImport: boolean) => {
    if (needImport && !importsOfFile(sf).has(name)) return;
    const visit = (n: Node) => {
      if (out.length >= 5) return;
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name) out.push({ file: path, line: lineOf(n), message: `calls ${name}()` });
      ts.forEachChild(n, visit);
    };
    visit(sf);
  };
  scan(node.getSourceFile(), file, false);
  for (const other of nf.packageOf(file)?.files ?? []) {
    if (other === file || out.length >= 5 || !new RegExp(`\\b${name}\\s*\\(`).test(nf.textOf(other) ?? '')) continue;
    const sf = nf.sourceFile(other);
    if (sf) scan(sf, other, true);
  }
  return out;
}
