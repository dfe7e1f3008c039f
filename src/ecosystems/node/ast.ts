import type { ts as T } from 'ts-morph';
import { ts, type Expression, type Node, type SourceFile } from './tsapi.js';

/**
 * Syntax helpers for Node rules, on raw compiler nodes (docs/ARCHITECTURE.md, "Languages").
 * A *qualified name* says what an expression is in terms of a module: `express-session#` is the
 * module's default/namespace export, `winston#transports.File` a member of it, and a trailing `()`
 * marks a call or `new` of it (`connect-redis#()()` is `new (require('connect-redis')(session))()`).
 */

const importCache = new WeakMap<SourceFile, Map<string, string>>();

export function unwrap(e: Expression): Expression {
  let cur: Expression = e;
  for (;;) {
    if (ts.isParenthesizedExpression(cur) || ts.isAsExpression(cur) || ts.isNonNullExpression(cur) || ts.isTypeAssertionExpression(cur) || ts.isSatisfiesExpression(cur) || ts.isAwaitExpression(cur)) cur = cur.expression;
    else return cur;
  }
}

export function stringValue(e: Node | undefined): string | undefined {
  if (!e) return undefined;
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  return undefined;
}

/** `require('m')` / `import('m')` -> 'm'. */
export function requiredModule(e: Node): string | undefined {
  if (!ts.isCallExpression(e)) return undefined;
  const callee = e.expression;
  if ((ts.isIdentifier(callee) && callee.text === 'require') || callee.kind === ts.SyntaxKind.ImportKeyword) return stringValue(e.arguments[0]);
  return undefined;
}

const withMember = (q: string, name: string) => (q.endsWith('#') ? `${q}${name === 'default' ? '' : name}` : `${q}.${name}`);

/** Local names bound to modules in a file: `import x from 'm'`, `const { a } = require('m')`, `import * as ns`. */
export function importsOf(sf: SourceFile): Map<string, string> {
  let out = importCache.get(sf);
  if (out) return out;
  out = new Map();
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.importClause) {
      const m = `${st.moduleSpecifier.text}#`;
      const c = st.importClause;
      if (c.name) out.set(c.name.text, m);
      const nb = c.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) out.set(nb.name.text, m);
      if (nb && ts.isNamedImports(nb)) for (const el of nb.elements) out.set(el.name.text, withMember(m, (el.propertyName ?? el.name).text));
    } else if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference)) {
      const spec = stringValue(st.moduleReference.expression);
      if (spec) out.set(st.name.text, `${spec}#`);
    }
  }
  importCache.set(sf, out);
  return out;
}

/** The declaration that binds an identifier (variable, parameter, function or class), searching enclosing scopes. */
export function declarationOf(id: T.Identifier): T.Node | undefined {
  const name = id.text;
  // Memoised per scope and name (null: not bound there or above): every call's callee is looked up, and
  // most name the same few bindings, each found by scanning the statements of every enclosing scope.
  const scopes: Node[] = [];
  let found: Node | null = null;
  for (let scope: Node | undefined = id.parent; scope; scope = scope.parent) {
    const known = resolvedFrom.get(scope)?.get(name);
    if (known !== undefined) {
      found = known;
      break;
    }
    if (ts.isFunctionLike(scope)) {
      scopes.push(scope);
      const p = scope.parameters.find((x) => bindsName(x.name, name));
      if (p) {
        found = p;
        break;
      }
    }
    if (!(ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) || ts.isForOfStatement(scope) || ts.isForStatement(scope) || ts.isForInStatement(scope))) continue;
    scopes.push(scope);
    const hit = findDeclarationIn(scope, name);
    if (hit) {
      found = hit;
      break;
    }
  }
  for (const s of scopes) {
    let names = resolvedFrom.get(s);
    if (!names) resolvedFrom.set(s, (names = new Map()));
    names.set(name, found);
  }
  return found ?? undefined;
}

/** What a name resolves to when the lookup starts at a scope (see declarationOf). */
const resolvedFrom = new WeakMap<Node, Map<string, Node | null>>();

function bindsName(b: T.BindingName, name: string): boolean {
  if (ts.isIdentifier(b)) return b.text === name;
  return b.elements.some((el) => !ts.isOmittedExpression(el) && bindsName(el.name, name));
}

/** The first binding of each name among a scope's statements, built once per scope (a file's top level has hundreds). */
const bindingsOf = new WeakMap<Node, Map<string, Node>>();

function findDeclarationIn(scope: Node, name: string): Node | undefined {
  let bindings = bindingsOf.get(scope);
  if (!bindings) {
    bindings = new Map();
    const stmts: readonly Node[] = ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope) || ts.isCaseClause(scope) ? (scope as T.Block).statements : [(scope as T.ForOfStatement).initializer ?? scope];
    for (const st of stmts) {
      const list = ts.isVariableStatement(st) ? st.declarationList : ts.isVariableDeclarationList(st) ? st : undefined;
      if (list) {
        for (const d of list.declarations) {
          for (const n of boundNames(d.name)) if (!bindings.has(n)) bindings.set(n, bindingElementOf(d, n));
        }
      }
      if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st)) && st.name && !bindings.has(st.name.text)) bindings.set(st.name.text, st);
    }
    bindingsOf.set(scope, bindings);
  }
  return bindings.get(name);
}

function boundNames(b: T.BindingName, out: string[] = []): string[] {
  if (ts.isIdentifier(b)) out.push(b.text);
  else for (const el of b.elements) if (!ts.isOmittedExpression(el)) boundNames(el.name, out);
  return out;
}

/** For `const { a: b } = x`, the BindingElement of b; for `const b = x`, the declaration. */
function bindingElementOf(d: T.VariableDeclaration, name: string): Node {
  if (ts.isIdentifier(d.name)) return d;
  const visit = (b: T.BindingName): Node | undefined => {
    if (ts.isIdentifier(b)) return undefined;
    for (const el of b.elements) {
      if (ts.isOmittedExpression(el)) continue;
      if (ts.isIdentifier(el.name) && el.name.text === name) return el;
      const inner = visit(el.name);
      if (inner) return inner;
    }
    return undefined;
  };
  return visit(d.name) ?? d;
}

/** The expression a const/let/var binding starts with (following `{ a } = obj` as `obj.a`), when written in the file. */
export function initializerOf(decl: Node): { expr: Expression; member?: string } | undefined {
  if (ts.isVariableDeclaration(decl) && decl.initializer) return { expr: decl.initializer };
  if (ts.isBindingElement(decl)) {
    const pattern = decl.parent;
    const owner = pattern.parent;
    const key = decl.propertyName ? (ts.isIdentifier(decl.propertyName) || ts.isStringLiteral(decl.propertyName) ? decl.propertyName.text : undefined) : ts.isIdentifier(decl.name) ? decl.name.text : undefined;
    if (ts.isObjectBindingPattern(pattern) && ts.isVariableDeclaration(owner) && owner.initializer && key) return { expr: owner.initializer, member: key };
  }
  return undefined;
}

/** Qualified name of an expression (see the module comment), or undefined when it is not a module's export. */
export function qname(e: Expression | undefined, depth = 0): string | undefined {
  if (!e || depth > 12) return undefined;
  e = unwrap(e);
  if (ts.isIdentifier(e)) {
    const decl = declarationOf(e);
    if (decl) {
      const init = initializerOf(decl);
      if (!init) return undefined;
      const q = qname(init.expr, depth + 1);
      return q && init.member ? withMember(q, init.member) : init.member ? undefined : q;
    }
    return importsOf(e.getSourceFile()).get(e.text);
  }
  const mod = requiredModule(e);
  if (mod) return `${mod}#`;
  if (ts.isPropertyAccessExpression(e)) {
    const q = qname(e.expression, depth + 1);
    return q ? withMember(q, e.name.text) : undefined;
  }
  if (ts.isElementAccessExpression(e) && stringValue(e.argumentExpression) !== undefined) {
    const q = qname(e.expression, depth + 1);
    return q ? withMember(q, stringValue(e.argumentExpression)!) : undefined;
  }
  if (ts.isCallExpression(e) || ts.isNewExpression(e)) {
    const q = qname(e.expression, depth + 1);
    return q ? `${q}()` : undefined;
  }
  return undefined;
}

export const moduleOf = (q: string | undefined) => (q ? q.slice(0, q.indexOf('#')) : undefined);

/** Calls and `new`s in a subtree. */
export function* callsIn(root: Node): Generator<T.CallExpression | T.NewExpression> {
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    if (ts.isCallExpression(n) || ts.isNewExpression(n)) yield n;
    ts.forEachChild(n, (c) => {
      stack.push(c);
    });
  }
}

export function* descendants(root: Node): Generator<Node> {
  const stack: Node[] = [root];
  while (stack.length) {
    const n = stack.pop()!;
    yield n;
    const kids: Node[] = [];
    ts.forEachChild(n, (c) => {
      kids.push(c);
    });
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
}

/** Climbs from a node to the nearest call/new expression that contains it as its callee chain. */
export function enclosingCall(n: Node): T.CallExpression | T.NewExpression | undefined {
  for (let cur: Node | undefined = n; cur; cur = cur.parent) {
    if (ts.isCallExpression(cur) || ts.isNewExpression(cur)) return cur;
    if (ts.isStatement(cur)) return undefined;
  }
  return undefined;
}

export function enclosingFunction(n: Node): T.FunctionLikeDeclaration | undefined {
  for (let cur = n.parent; cur; cur = cur.parent) if (ts.isFunctionLike(cur) && (cur as T.FunctionLikeDeclaration).body) return cur as T.FunctionLikeDeclaration;
  return undefined;
}

export function propertyName(p: T.PropertyName | undefined): string | undefined {
  if (!p) return undefined;
  if (ts.isIdentifier(p) || ts.isStringLiteral(p) || ts.isNumericLiteral(p) || ts.isPrivateIdentifier(p)) return p.text;
  return undefined;
}

export function args(call: T.CallExpression | T.NewExpression): readonly Expression[] {
  return call.arguments ?? [];
}

/** The name of the method called: `app.use(...)` -> 'use'. */
export function calledMember(call: T.CallExpression | T.NewExpression): string | undefined {
  const c = unwrap(call.expression);
  return ts.isPropertyAccessExpression(c) ? c.name.text : ts.isIdentifier(c) ? c.text : undefined;
}

export function decoratorsOf(n: Node): T.Decorator[] {
  return ts.canHaveDecorators(n) ? [...(ts.getDecorators(n) ?? [])] : [];
}

export function decoratorName(d: T.Decorator): string | undefined {
  const e = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
  return ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : undefined;
}

/** The qualified name a decorator refers to (`@nestjs/schedule#Cron`). */
export function decoratorQname(d: T.Decorator): string | undefined {
  const e = ts.isCallExpression(d.expression) ? d.expression.expression : d.expression;
  return qname(e);
}

export function isTopLevel(n: Node): boolean {
  return !enclosingFunction(n) && !ts.isClassElement(n);
}

export { ts };
