import type { ts as T } from 'ts-morph';
import { scalar, unknown, type Origin, type Scalar, type Val } from '../../engine/values.js';
import { EnvironmentView } from '../../project/env-files.js';
import { declarationOf, importsOf, requiredModule, initializerOf, propertyName, qname, stringValue, unwrap } from './ast.js';
import type { NodeFacts } from './facts.js';
import { ts, type Expression, type Node, type SourceFile } from './tsapi.js';

/**
 * Static evaluation of Node configuration values (docs/ARCHITECTURE.md, "Effective configuration"):
 * literals, `process.env.X` with its defaults (`??`, `||`, ternaries, `Number()`, `=== 'true'`),
 * Nest's ConfigService and the `config` package, through variables, imports, spreads and object
 * members. Nothing is run; what cannot be known is `unknown` with the reason.
 */

export function originOf(nf: NodeFacts, n: Node, note: string): Origin {
  const sf = n.getSourceFile();
  const a = sf.getLineAndCharacterOfPosition(n.getStart(sf));
  const b = sf.getLineAndCharacterOfPosition(n.end);
  return { file: nf.pathOf(sf), line: a.line + 1, column: a.character + 1, endLine: b.line + 1, endColumn: b.character + 1, note };
}

const MAX_DEPTH = 16;

/** The expression a name or member stands for, following variables, imports and object members. */
export function valueNode(nf: NodeFacts, e: Expression | undefined, depth = 0): Expression | undefined {
  if (!e || depth > MAX_DEPTH) return e;
  e = unwrap(e);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (decl) {
      if (ts.isParameter(decl) || ts.isFunctionDeclaration(decl) || ts.isClassDeclaration(decl)) return e;
      const init = initializerOf(decl);
      if (!init) return e;
      if (init.member) return memberNode(nf, init.expr, init.member, depth + 1) ?? e;
      return valueNode(nf, init.expr, depth + 1);
    }
    const imported = importedNode(nf, e);
    return imported ? valueNode(nf, imported, depth + 1) : e;
  }
  const required = requiredModule(e);
  if (required && (required.startsWith('.') || nf.resolveImport(nf.pathOf(e.getSourceFile()), required))) {
    const target = nf.resolveImport(nf.pathOf(e.getSourceFile()), required);
    const other = target ? nf.sourceFile(target) : undefined;
    const exported = other ? exportedExpression(other, 'default') : undefined;
    return exported ? valueNode(nf, exported, depth + 1) : e;
  }
  if (ts.isPropertyAccessExpression(e)) return memberNode(nf, e.expression, e.name.text, depth + 1) ?? e;
  if (ts.isElementAccessExpression(e) && stringValue(e.argumentExpression) !== undefined) return memberNode(nf, e.expression, stringValue(e.argumentExpression)!, depth + 1) ?? e;
  return e;
}

function memberNode(nf: NodeFacts, obj: Expression, key: string, depth: number): Expression | undefined {
  // `const holder = { store: null }; if (url) holder.store = new RedisStore()`: the literal is not the value
  const o = unwrap(obj);
  const esc = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (ts.isIdentifier(o) && new RegExp(`(?<![\\w$.])${esc(o.text)}\\s*(?:\\.\\s*${esc(key)}|\\[\\s*['"]${esc(key)}['"]\\s*\\])\\s*=(?![=>])`).test(o.getSourceFile().text)) return undefined;
  const props = objectProps(nf, obj, depth);
  const hit = props?.props.get(key);
  return hit ? valueNode(nf, hit, depth + 1) : undefined;
}

/** For `import { x } from './settings'` (or require), the expression `x` is exported as, in that file. */
function importedNode(nf: NodeFacts, id: T.Identifier): Expression | undefined {
  const sf = id.getSourceFile();
  const q = importsOf(sf).get(id.text);
  if (!q) return undefined;
  const spec = q.slice(0, q.indexOf('#'));
  const member = q.slice(q.indexOf('#') + 1);
  if (!spec.startsWith('.') && !spec.startsWith('/') && !spec.startsWith('@/') && !spec.startsWith('~')) {
    const target = nf.resolveImport(nf.pathOf(sf), spec);
    if (!target) return undefined;
  }
  const target = nf.resolveImport(nf.pathOf(sf), spec);
  return target ? exportFrom(nf, target, member.split('.')[0] || 'default', 0) : undefined;
}

/** An export of a module, following re-exports (`export { x } from './x'`, `export * from './x'`). */
function exportFrom(nf: NodeFacts, file: string, name: string, depth: number): Expression | undefined {
  const sf = nf.sourceFile(file);
  if (!sf || depth > 5) return undefined;
  const direct = exportedExpression(sf, name);
  if (direct) return direct;
  for (const st of sf.statements) {
    if (!ts.isExportDeclaration(st) || !st.moduleSpecifier || !ts.isStringLiteral(st.moduleSpecifier)) continue;
    let inner: string | undefined;
    if (!st.exportClause) inner = name === 'default' ? undefined : name;
    else if (ts.isNamedExports(st.exportClause)) {
      const el = st.exportClause.elements.find((e) => e.name.text === name);
      inner = el ? (el.propertyName ?? el.name).text : undefined;
    }
    if (!inner) continue;
    const next = nf.resolveImport(file, st.moduleSpecifier.text);
    const hit = next ? exportFrom(nf, next, inner, depth + 1) : undefined;
    if (hit) return hit;
  }
  return undefined;
}

/** What a module exports under a name (`export const`, `export default`, `module.exports`, `exports.x`). */
export function exportedExpression(sf: SourceFile, name: string): Expression | undefined {
  for (const st of sf.statements) {
    if (name === 'default' && ts.isExportAssignment(st)) return st.expression;
    if (ts.isVariableStatement(st) && st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
    }
    if (ts.isExpressionStatement(st) && ts.isBinaryExpression(st.expression) && st.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = st.expression.left.getText(sf);
      if ((name === 'default' && left === 'module.exports') || left === `module.exports.${name}` || left === `exports.${name}`) return st.expression.right;
      if (left === 'module.exports' && name !== 'default') {
        const props = literalProps(st.expression.right);
        if (props?.get(name)) return props.get(name);
      }
    }
    if (ts.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) {
        if (el.name.text === name) return findLocal(sf, (el.propertyName ?? el.name).text);
      }
    }
  }
  return name === 'default' ? undefined : findLocalExportless(sf, name);
}

function findLocal(sf: SourceFile, name: string): Expression | undefined {
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return d.initializer;
  }
  return undefined;
}

/** `module.exports = { a }` style files: a name defined at top level and listed in the exported object. */
function findLocalExportless(sf: SourceFile, name: string): Expression | undefined {
  return /module\.exports|exports\./.test(sf.text) ? findLocal(sf, name) : undefined;
}

function literalProps(e: Expression): Map<string, Expression> | undefined {
  e = unwrap(e);
  if (!ts.isObjectLiteralExpression(e)) return undefined;
  const out = new Map<string, Expression>();
  for (const p of e.properties) {
    if (ts.isPropertyAssignment(p)) {
      const k = propertyName(p.name);
      if (k) out.set(k, p.initializer);
    } else if (ts.isShorthandPropertyAssignment(p)) out.set(p.name.text, p.name);
  }
  return out;
}

export interface ObjectProps {
  /** The object literal (the last one merged). */
  literal: T.ObjectLiteralExpression;
  props: Map<string, Expression>;
  /** A spread whose object could not be resolved: a missing key may be set there. */
  unknownSpread: boolean;
}

/** The properties of an options object (through variables, imports, spreads, Object.assign). */
export function objectProps(nf: NodeFacts, e: Expression | undefined, depth = 0): ObjectProps | undefined {
  if (!e || depth > MAX_DEPTH) return undefined;
  const v = valueNode(nf, e, depth + 1);
  if (!v) return undefined;
  if (ts.isCallExpression(v) && /^Object\.assign$/.test(v.expression.getText())) {
    let acc: ObjectProps | undefined;
    for (const a of v.arguments) {
      const p = objectProps(nf, a, depth + 1);
      if (!p) {
        if (acc) acc.unknownSpread = true;
        continue;
      }
      acc = acc ? { literal: p.literal, props: new Map([...acc.props, ...p.props]), unknownSpread: acc.unknownSpread || p.unknownSpread } : p;
    }
    return acc;
  }
  if (!ts.isObjectLiteralExpression(v)) return undefined;
  const out: ObjectProps = { literal: v, props: new Map(), unknownSpread: false };
  for (const p of v.properties) {
    if (ts.isPropertyAssignment(p)) {
      const k = propertyName(p.name);
      if (k) out.props.set(k, p.initializer);
      else out.unknownSpread = true;
    } else if (ts.isShorthandPropertyAssignment(p)) out.props.set(p.name.text, p.name);
    else if (ts.isSpreadAssignment(p)) {
      const inner = objectProps(nf, p.expression, depth + 1);
      if (!inner) out.unknownSpread = true;
      else {
        for (const [k, x] of inner.props) out.props.set(k, x);
        out.unknownSpread ||= inner.unknownSpread;
      }
    } else if (ts.isMethodDeclaration(p) || ts.isGetAccessorDeclaration(p)) {
      const k = propertyName(p.name);
      if (k) out.props.set(k, p as unknown as Expression);
    }
  }
  return out;
}

const truthy = (v: Scalar) => !(v === null || v === false || v === '' || v === 0);
const isScalar = (v: Val): v is Val & { t: 'scalar' } => v.t === 'scalar';

function envRead(e: Expression): string | undefined {
  if (ts.isPropertyAccessExpression(e) && e.expression.getText() === 'process.env') return e.name.text;
  if (ts.isElementAccessExpression(e) && e.expression.getText() === 'process.env') return stringValue(e.argumentExpression);
  return undefined;
}

/** An environment variable as production sees it: the env file line, or unset (NODE_ENV: assumed production). */
export function envValue(nf: NodeFacts, at: Node, key: string): Val {
  const file = nf.pathOf(at.getSourceFile());
  const read = originOf(nf, at, `reads ${key}`);
  const entry = nf.env(file)?.get(key);
  if (entry) {
    const origin: Origin = { file: entry.file, line: entry.line, column: 1, endLine: entry.line, endColumn: 1, note: EnvironmentView.display(entry), fromEnv: true };
    return scalar(entry.value, origin, [read]);
  }
  if (key === 'NODE_ENV') return scalar('production', { ...read, note: 'NODE_ENV is not set in any env file; production is assumed' });
  return scalar(null, { ...read, note: `${key} is not set in any env file` });
}

/** Evaluates an expression to a scalar (or unknown with the reason). */
export function evaluate(nf: NodeFacts, e: Expression | undefined, depth = 0): Val {
  if (!e) return unknown('no value', { file: '(none)', line: 0, column: 0, endLine: 0, endColumn: 0, note: '' });
  const at: Expression = e;
  const here = (note: string) => originOf(nf, at, note);
  if (depth > MAX_DEPTH) return unknown('too deep', here('too deep'));
  e = unwrap(e);
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return scalar(e.text, here('literal'));
  if (ts.isNumericLiteral(e)) return scalar(Number(e.text), here('literal'));
  if (e.kind === ts.SyntaxKind.TrueKeyword) return scalar(true, here('literal'));
  if (e.kind === ts.SyntaxKind.FalseKeyword) return scalar(false, here('literal'));
  if (e.kind === ts.SyntaxKind.NullKeyword || (ts.isIdentifier(e) && e.text === 'undefined')) return scalar(null, here('literal'));
  const envKey = envRead(e);
  if (envKey) return envValue(nf, e, envKey);
  if (ts.isTemplateExpression(e)) {
    let text = e.head.text;
    const via = [];
    for (const span of e.templateSpans) {
      const v = evaluate(nf, span.expression, depth + 1);
      if (!isScalar(v)) return v;
      via.push(v.origin, ...v.via);
      text += String(v.v ?? '') + span.literal.text;
    }
    return scalar(text, here('template'), via);
  }
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) {
    const v = evaluate(nf, e.operand, depth + 1);
    return isScalar(v) ? scalar(!truthy(v.v), v.origin, v.via) : v;
  }
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    const left = evaluate(nf, e.left, depth + 1);
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.AmpersandAmpersandToken) {
      if (!isScalar(left)) return left;
      const takeRight = op === ts.SyntaxKind.QuestionQuestionToken ? left.v === null : op === ts.SyntaxKind.BarBarToken ? !truthy(left.v) : truthy(left.v);
      if (!takeRight) return left;
      const right = evaluate(nf, e.right, depth + 1);
      return { ...right, via: [...right.via, left.origin, ...left.via] };
    }
    const right = evaluate(nf, e.right, depth + 1);
    if (!isScalar(left)) return left;
    if (!isScalar(right)) return right;
    const via = [right.origin, ...left.via, ...right.via];
    switch (op) {
      case ts.SyntaxKind.EqualsEqualsEqualsToken:
      case ts.SyntaxKind.EqualsEqualsToken:
        return scalar(left.v === right.v || (op === ts.SyntaxKind.EqualsEqualsToken && String(left.v) === String(right.v)), left.origin, via);
      case ts.SyntaxKind.ExclamationEqualsEqualsToken:
      case ts.SyntaxKind.ExclamationEqualsToken:
        return scalar(!(left.v === right.v || (op === ts.SyntaxKind.ExclamationEqualsToken && String(left.v) === String(right.v))), left.origin, via);
      case ts.SyntaxKind.PlusToken:
        return scalar(typeof left.v === 'number' && typeof right.v === 'number' ? left.v + right.v : `${left.v ?? ''}${right.v ?? ''}`, left.origin, via);
      case ts.SyntaxKind.AsteriskToken:
      case ts.SyntaxKind.MinusToken:
      case ts.SyntaxKind.SlashToken:
        if (typeof left.v !== 'number' || typeof right.v !== 'number') return unknown('arithmetic on non-numbers', here('expression'));
        return scalar(op === ts.SyntaxKind.AsteriskToken ? left.v * right.v : op === ts.SyntaxKind.MinusToken ? left.v - right.v : left.v / right.v, left.origin, via);
      default:
        return unknown(`operator ${e.operatorToken.getText()}`, here('expression'));
    }
  }
  if (ts.isConditionalExpression(e)) {
    const cond = evaluate(nf, e.condition, depth + 1);
    if (!isScalar(cond)) return cond;
    const branch = evaluate(nf, truthy(cond.v) ? e.whenTrue : e.whenFalse, depth + 1);
    const condText = e.condition.getText();
    const why: Origin = { ...cond.origin, note: `${cond.origin.note} (so \`${condText}\` is ${truthy(cond.v)})` };
    return { ...branch, via: [...branch.via, why, ...cond.via] };
  }
  if (ts.isCallExpression(e)) {
    const callee = e.expression.getText();
    if (/^(?:Number|parseInt|parseFloat|String|Boolean)$/.test(callee) || /^Number\.parse(?:Int|Float)$/.test(callee)) {
      const v = evaluate(nf, e.arguments[0], depth + 1);
      if (!isScalar(v)) return v;
      const out = callee === 'String' ? String(v.v ?? '') : callee === 'Boolean' ? truthy(v.v) : v.v === null ? NaN : Number(v.v);
      return scalar(typeof out === 'number' && Number.isNaN(out) ? null : out, v.origin, v.via);
    }
    const config = configRead(nf, e);
    if (config) return config;
    const inner = wrapperReturn(nf, e, depth);
    if (inner) return evaluate(nf, inner, depth + 1);
    return unknown(`the result of ${callee.slice(0, 40)}()`, here('call'));
  }
  if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
    const v = valueNode(nf, e, depth + 1);
    if (v && v !== e) return evaluate(nf, v, depth + 1);
    return unknown(`\`${e.getText().slice(0, 40)}\` is not known statically`, here('name'));
  }
  return unknown(`\`${e.getText().slice(0, 40)}\` is not a constant`, here('expression'));
}

/** Nest's `configService.get('X', default)` and the `config` package's `config.get('a.b')`. */
function configRead(nf: NodeFacts, call: T.CallExpression): Val | undefined {
  const callee = unwrap(call.expression);
  if (!ts.isPropertyAccessExpression(callee) || !/^(?:get|getOrThrow|has)$/.test(callee.name.text)) return undefined;
  const key = stringValue(call.arguments[0]);
  if (key === undefined) return undefined;
  const q = qname(callee.expression);
  if (q === 'config#') {
    return nf.configValue(nf.pathOf(call.getSourceFile()), key) ?? unknown(`config key ${key} is not set`, originOf(nf, call, `config.get('${key}')`));
  }
  const receiver = callee.expression.getText();
  if (!/configService|\bconfig$/i.test(receiver) || key.includes('.')) return undefined;
  const v = envValue(nf, call, key);
  if (isScalar(v) && v.v === null && call.arguments[1]) {
    const d = evaluate(nf, call.arguments[1]);
    return { ...d, via: [...d.via, v.origin] };
  }
  return v;
}

/** A small wrapper: a local function whose body is one `return expr` (or an arrow with an expression body). */
export function wrapperReturn(nf: NodeFacts, call: T.CallExpression | T.NewExpression, depth = 0): Expression | undefined {
  const target = valueNode(nf, call.expression, depth + 1);
  let fn: Node | undefined = target;
  if (target && ts.isIdentifier(target)) {
    const decl = declarationOf(target);
    if (decl && ts.isFunctionDeclaration(decl)) fn = decl;
  }
  if (!fn) return undefined;
  if (ts.isArrowFunction(fn) && !ts.isBlock(fn.body)) return fn.body;
  if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isFunctionDeclaration(fn)) && fn.body && ts.isBlock(fn.body)) {
    const rets = fn.body.statements.filter(ts.isReturnStatement);
    if (rets.length === 1 && rets[0].expression) return rets[0].expression;
  }
  return undefined;
}

export function isKnown(v: Val): v is Val & { t: 'scalar' } {
  return v.t === 'scalar';
}
