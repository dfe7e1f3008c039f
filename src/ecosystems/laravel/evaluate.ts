import type { SyntaxNode, Tree } from '../../lang/php.js';
import { callArgs, fileImports, resolveClassName, stringLiteral } from '../../lang/php.js';
import { LineIndex } from '../../lang/source-text.js';
import { castEnvValue, EnvironmentView, maskSecrets, type EnvEntry } from '../../project/env-files.js';
import { type ArrayEntry, cellsOf, joinVia, type Origin, type Scalar, scalar, setCells, unknown, type Val } from '../../engine/values.js';
import { LIMITS } from '../../lang/budget.js';
import { slug } from './str.js';

/**
 * Static evaluator for Laravel config files (docs/ARCHITECTURE.md, "Effective configuration"): literals, arrays, env(K, default),
 * ??, ?:, ternaries over known values, concatenation, path helpers, Str::slug, explode, casts.
 * Anything else stays unknown; nothing is guessed.
 */
export interface EvalScope {
  /** Relative path of the file being evaluated (used in origins). */
  file: string;
  lines: LineIndex;
  env: EnvironmentView;
  /** Resolves an env entry to its line in its env file. */
  envOrigin(entry: EnvEntry): Origin | undefined;
  /** Where to point when a value is not written in any file the user has (framework defaults). */
  anchor?: Origin;
  /** Local variables assigned at the top of the file. */
  vars: Map<string, Val>;
  /** Class aliases from `use` statements (short name -> fully qualified). */
  uses: Map<string, string>;
  /** The app's own helper functions with a plain body (issue 9: env() wrappers such as env_default_when_empty()). */
  helpers?: Map<string, AppHelper>;
  /**
   * What base_path() and friends start with: '' (relative paths, the default) or a marker the
   * caller can recognise, to tell `base_path('x')` from a literal absolute path '/x'.
   */
  basePath?: string;
  /** Work done so far in this file; created on first use. */
  budget?: EvalBudget;
}

/** A function of the app (composer autoload "files") whose body is `return expr;`, optionally after `if (cond) { return expr; }` guards. */
export interface AppHelper {
  params: { name: string; fallback?: SyntaxNode }[];
  statements: SyntaxNode[];
  /** Where the helper is written (file and lines for origins). */
  file: string;
  lines: LineIndex;
}

/**
 * The evaluator's budget for one file (LIMITS in engine/budget.ts). A value past a limit becomes
 * unknown with the reason, so `$a = [...$a, ...$a]` thirty times or 3,000 nested ternaries cost
 * bounded memory and time and never a stack overflow.
 */
export interface EvalBudget {
  depth: number;
  steps: number;
  chars: number;
}

function budgetOf(scope: EvalScope): EvalBudget {
  return (scope.budget ??= { depth: 0, steps: 0, chars: 0 });
}

/** Charges characters produced by a string operation; false when the file's budget is spent. */
function charge(scope: EvalScope, n: number): boolean {
  const b = budgetOf(scope);
  b.chars += n;
  return b.chars <= LIMITS.evalChars;
}

/** A value made unknown by a budget: its reason is passed on as is (wrapping it would grow with every level). */
function overBudget(v: Val): boolean {
  return v.t === 'unknown' && /^(too deep|too large|evaluation budget)/.test(v.why);
}

const TOO_LONG = `too large: a string over ${LIMITS.stringLength / 1024} KiB`;
const TOO_MANY = `too large: over ${LIMITS.valueCells} values`;

const PATH_HELPERS: Record<string, string> = {
  storage_path: 'storage',
  database_path: 'database',
  base_path: '',
  app_path: 'app',
  public_path: 'public',
  resource_path: 'resources',
  config_path: 'config',
  lang_path: 'lang',
};

const STRING_FUNCS: Record<string, (s: string) => string> = {
  strtolower: (s) => s.toLowerCase(),
  strtoupper: (s) => s.toUpperCase(),
  trim: (s) => s.trim(),
  rtrim: (s) => s.trimEnd(),
  ltrim: (s) => s.trimStart(),
  ucfirst: (s) => s.charAt(0).toUpperCase() + s.slice(1),
};

export function originOf(scope: EvalScope, node: SyntaxNode, note?: string): Origin {
  if (scope.anchor) return { ...scope.anchor, note: note ?? scope.anchor.note };
  const at = { ...scope.lines.location(scope.file, node.startIndex, node.endIndex), note: note ?? oneLine(node.text) };
  // Framework defaults held in memory ("(Laravel 11 framework config/...)") have no file to edit.
  return scope.file.startsWith('(') ? at : { ...at, span: [node.startIndex, node.endIndex] };
}

/** A node's text for notes: first 80 characters on one line, secrets masked. Reads at most 240 characters of the node. */
function oneLine(text: string): string {
  const flat = maskSecrets(text.length > 240 ? text.slice(0, 240) : text).replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? flat.slice(0, 77) + '...' : flat;
}

/** Evaluates a whole config file: top-level `$var = ...;` assignments, then the returned expression. */
export function evaluateConfigFile(tree: Tree, scope: EvalScope): Val {
  for (const [alias, fq] of fileImports(tree.rootNode).classes) scope.uses.set(alias, fq);
  for (const stmt of tree.rootNode.namedChildren) {
    if (!stmt) continue;
    if (stmt.type === 'expression_statement') {
      const expr = stmt.namedChildren[0];
      if (expr?.type === 'assignment_expression') {
        const left = expr.childForFieldName('left');
        const right = expr.childForFieldName('right');
        if (left?.type === 'variable_name' && right) scope.vars.set(left.text, evaluate(right, scope));
      }
    }
    if (stmt.type === 'return_statement') {
      const expr = stmt.namedChildren[0];
      return expr ? evaluate(expr, scope) : unknown('empty return', originOf(scope, stmt));
    }
  }
  return unknown('the file returns no array', originOf(scope, tree.rootNode, 'no return statement'));
}

/** Evaluates one expression within the file's budget (depth, steps, value size). */
export function evaluate(node: SyntaxNode, scope: EvalScope): Val {
  const b = budgetOf(scope);
  if (b.depth >= LIMITS.evalDepth) return unknown(`too deep: over ${LIMITS.evalDepth} nested expressions`, originOf(scope, node, 'nested too deep'));
  if (++b.steps > LIMITS.evalSteps) return unknown(`evaluation budget exhausted (over ${LIMITS.evalSteps} steps in this file)`, originOf(scope, node));
  if (b.chars > LIMITS.evalChars) return unknown(`evaluation budget exhausted (over ${LIMITS.evalChars / 1024 / 1024} MiB of strings built in this file)`, originOf(scope, node));
  b.depth++;
  try {
    return bounded(evaluateNode(node, scope), scope, node);
  } finally {
    b.depth--;
  }
}

/** Enforces the per-value limits on a result: string length, array size, number of `via` lines. */
function bounded(v: Val, scope: EvalScope, node: SyntaxNode): Val {
  if (v.via.length > LIMITS.viaEntries) v = { ...v, via: v.via.slice(0, LIMITS.viaEntries) };
  if (v.t === 'scalar' && typeof v.v === 'string' && v.v.length > LIMITS.stringLength) return unknown(TOO_LONG, originOf(scope, node, 'too large'));
  if (v.t === 'array' && cellsOf(v) > LIMITS.valueCells) return unknown(TOO_MANY, originOf(scope, node, 'too large'));
  return v;
}

function evaluateNode(node: SyntaxNode, scope: EvalScope): Val {
  const here = () => originOf(scope, node);
  switch (node.type) {
    case 'parenthesized_expression': {
      const inner = node.namedChildren[0];
      return inner ? evaluate(inner, scope) : unknown('empty parentheses', here());
    }
    case 'string':
    case 'encapsed_string':
    case 'heredoc':
    case 'nowdoc': {
      const s = stringLiteral(node);
      return s === undefined ? unknown('interpolated string', here()) : scalar(s, here());
    }
    case 'integer':
      return scalar(Number.parseInt(node.text.replace(/_/g, ''), node.text.startsWith('0x') ? 16 : 10), here());
    case 'float':
      return scalar(Number.parseFloat(node.text.replace(/_/g, '')), here());
    case 'boolean':
      return scalar(node.text.toLowerCase() === 'true', here());
    case 'null':
      return scalar(null, here());
    case 'name':
    case 'qualified_name':
      return constant(node, scope);
    case 'variable_name':
      return scope.vars.get(node.text) ?? unknown(`variable ${node.text}`, here());
    case 'member_access_expression':
      // Only `$this->prop` values the caller seeded (e.g. Application::$basePath) are known.
      return scope.vars.get(node.text.replace(/\s+/g, '')) ?? unknown(oneLine(node.text), here());
    case 'array_creation_expression':
      return arrayLiteral(node, scope);
    case 'binary_expression':
      return binary(node, scope);
    case 'conditional_expression':
      return conditional(node, scope);
    case 'unary_op_expression':
      return unary(node, scope);
    case 'cast_expression':
      return cast(node, scope);
    case 'function_call_expression':
      return functionCall(node, scope);
    case 'scoped_call_expression':
      return staticCall(node, scope);
    case 'class_constant_access_expression': {
      const [cls, member] = node.namedChildren;
      if (cls && member?.text === 'class') return scalar(resolveClassName(cls.text, { classes: scope.uses, functions: new Map() }), here());
      return unknown(`constant ${oneLine(node.text)}`, here());
    }
    default:
      return unknown(oneLine(node.text), here());
  }
}

function constant(node: SyntaxNode, scope: EvalScope): Val {
  const name = node.text.replace(/^\\/, '');
  if (name === 'DIRECTORY_SEPARATOR') return scalar('/', originOf(scope, node));
  if (name === 'PHP_EOL') return scalar('\n', originOf(scope, node));
  if (scope.vars.has(name)) return scope.vars.get(name)!; // magic constants such as __DIR__, seeded by the caller
  if (/^(true|false)$/i.test(name)) return scalar(name.toLowerCase() === 'true', originOf(scope, node));
  if (/^null$/i.test(name)) return scalar(null, originOf(scope, node));
  return unknown(`constant ${name}`, originOf(scope, node));
}

function arrayLiteral(node: SyntaxNode, scope: EvalScope): Val {
  const entries: ArrayEntry[] = [];
  let next = 0;
  // Cells: this array plus every value in it, a shared sub-array counted at each use, checked
  // before a spread copies anything (30 doublings would otherwise be 2^30 entries).
  let cells = 1;
  const add = (v: Val) => (cells += cellsOf(v)) <= LIMITS.valueCells;
  for (const el of node.namedChildren) {
    if (!el || el.type !== 'array_element_initializer') continue;
    const parts = el.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
    if (parts[0]?.type === 'variadic_unpacking') {
      const spread = evaluate(parts[0].namedChildren[0]!, scope);
      if (spread.t === 'unknown' && overBudget(spread)) return spread; // keep the reason
      if (spread.t !== 'array') return unknown('array spread of an unknown value', originOf(scope, el));
      if (!add(spread)) return unknown(TOO_MANY, originOf(scope, node, 'too large'));
      for (const e of spread.entries) entries.push(typeof e.key === 'number' ? { key: next++, value: e.value } : e);
      continue;
    }
    if (parts.length >= 2) {
      const key = evaluate(parts[0], scope);
      const value = evaluate(parts[parts.length - 1], scope);
      if (!add(value)) return unknown(TOO_MANY, originOf(scope, node, 'too large'));
      if (key.t !== 'scalar' || key.v === null || typeof key.v === 'boolean') {
        entries.push({ key: `<unknown ${oneLine(parts[0].text)}>`, value });
        continue;
      }
      const k = typeof key.v === 'number' || /^(0|[1-9]\d*)$/.test(String(key.v)) ? Number(key.v) : String(key.v);
      if (typeof k === 'number' && k >= next) next = k + 1;
      entries.push({ key: k, value });
    } else if (parts.length === 1) {
      const value = evaluate(parts[0], scope);
      if (!add(value)) return unknown(TOO_MANY, originOf(scope, node, 'too large'));
      entries.push({ key: next++, value });
    }
  }
  return setCells({ t: 'array', entries, origin: originOf(scope, node, 'array'), via: [] }, cells);
}

function truthy(v: Scalar): boolean {
  return !(v === null || v === false || v === 0 || v === '' || v === '0');
}

function toStr(v: Scalar): string {
  if (v === null || v === false) return '';
  if (v === true) return '1';
  return String(v);
}

function binary(node: SyntaxNode, scope: EvalScope): Val {
  const op = node.childForFieldName('operator')?.text ?? '';
  const leftNode = node.childForFieldName('left');
  const rightNode = node.childForFieldName('right');
  if (!leftNode || !rightNode) return unknown(oneLine(node.text), originOf(scope, node));
  const left = evaluate(leftNode, scope);
  if (op === '??') {
    if (left.t === 'scalar' && left.v === null) return evaluate(rightNode, scope);
    if (left.t !== 'unknown') return left;
    return unknown(`${left.why} ?? ...`, left.origin, left.via);
  }
  if ((op === '||' || op === 'or') && left.t === 'scalar' && truthy(left.v)) return scalar(true, left.origin, left.via);
  if ((op === '&&' || op === 'and') && left.t === 'scalar' && !truthy(left.v)) return scalar(false, left.origin, left.via);
  const right = evaluate(rightNode, scope);
  if (left.t === 'unknown') return left;
  if (right.t === 'unknown') return right;
  if (left.t !== 'scalar' || right.t !== 'scalar') return unknown(`${op} on an array`, originOf(scope, node));
  // The right-hand value is usually the one that decides (e.g. APP_NAME in `slug(APP_NAME).'_cache'`);
  // keep the left's origin and list the right's as taking part.
  const combine = (v: Scalar): Val => {
    const decider = !left.origin.fromEnv && right.origin.fromEnv ? right : left;
    const other = decider === left ? right : left;
    const out = scalar(v, decider.origin, joinVia(decider.via, [other.origin], other.via));
    return left.secret || right.secret ? { ...out, secret: true } : out;
  };
  const a = left.v;
  const b = right.v;
  switch (op) {
    case '.': {
      const x = toStr(a);
      const y = toStr(b);
      if (x.length + y.length > LIMITS.stringLength) return unknown(TOO_LONG, originOf(scope, node, 'too large'));
      if (!charge(scope, x.length + y.length)) return unknown('evaluation budget exhausted', originOf(scope, node));
      return combine(x + y);
    }
    case '===':
      return combine(a === b);
    case '!==':
      return combine(a !== b);
    case '==':
      return combine(a == b); // eslint-disable-line eqeqeq -- PHP loose comparison, close enough for scalars
    case '!=':
    case '<>':
      return combine(a != b); // eslint-disable-line eqeqeq
    case '||':
    case 'or':
      return combine(truthy(a) || truthy(b));
    case '&&':
    case 'and':
      return combine(truthy(a) && truthy(b));
    case '+':
    case '-':
    case '*':
    case '/': {
      const x = Number(a);
      const y = Number(b);
      if (Number.isNaN(x) || Number.isNaN(y)) return unknown(`arithmetic on ${oneLine(node.text)}`, originOf(scope, node));
      const r = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : y === 0 ? Number.NaN : x / y;
      return Number.isNaN(r) ? unknown('division by zero', originOf(scope, node)) : combine(r);
    }
    default:
      return unknown(`operator ${op}`, originOf(scope, node));
  }
}

function conditional(node: SyntaxNode, scope: EvalScope): Val {
  const condNode = node.childForFieldName('condition');
  const bodyNode = node.childForFieldName('body');
  const altNode = node.childForFieldName('alternative');
  if (!condNode || !altNode) return unknown(oneLine(node.text), originOf(scope, node));
  const cond = evaluate(condNode, scope);
  if (cond.t !== 'scalar') return unknown(`condition ${oneLine(condNode.text)}`, cond.origin, cond.via);
  if (!bodyNode) return truthy(cond.v) ? cond : evaluate(altNode, scope); // `a ?: b`
  const chosen = evaluate(truthy(cond.v) ? bodyNode : altNode, scope);
  return { ...chosen, via: joinVia(chosen.via, [cond.origin]) } as Val;
}

function unary(node: SyntaxNode, scope: EvalScope): Val {
  const op = node.childForFieldName('operator')?.text;
  const argNode = node.childForFieldName('argument');
  if (!argNode) return unknown(oneLine(node.text), originOf(scope, node));
  const arg = evaluate(argNode, scope);
  if (arg.t !== 'scalar') return arg.t === 'unknown' ? arg : unknown('unary on array', arg.origin);
  if (op === '!') return scalar(!truthy(arg.v), arg.origin, arg.via);
  if (op === '-') return scalar(-Number(arg.v), arg.origin, arg.via);
  if (op === '+') return scalar(Number(arg.v), arg.origin, arg.via);
  return unknown(`operator ${op}`, originOf(scope, node));
}

function cast(node: SyntaxNode, scope: EvalScope): Val {
  const type = node.childForFieldName('type')?.text?.toLowerCase() ?? node.namedChildren[0]?.text?.toLowerCase();
  const valueNode = node.childForFieldName('value') ?? node.namedChildren[node.namedChildren.length - 1];
  if (!valueNode) return unknown(oneLine(node.text), originOf(scope, node));
  const v = evaluate(valueNode, scope);
  if (v.t !== 'scalar') return v;
  switch (type) {
    case 'string':
      return { ...v, v: toStr(v.v) };
    case 'int':
    case 'integer':
      return { ...v, v: Number.parseInt(toStr(v.v), 10) || 0 };
    case 'float':
    case 'double':
      return { ...v, v: Number.parseFloat(toStr(v.v)) || 0 };
    case 'bool':
    case 'boolean':
      return { ...v, v: truthy(v.v) };
    default:
      return unknown(`cast to ${type}`, v.origin, v.via);
  }
}

function functionCall(node: SyntaxNode, scope: EvalScope): Val {
  const name = (node.childForFieldName('function')?.text ?? '').replace(/^\\/, '');
  const args = callArgs(node).map((a) => a.value);
  const here = originOf(scope, node);
  if (name === 'env') return envCall(node, args, scope);
  const helper = scope.helpers?.get(name);
  if (helper) return helperCall(node, args, scope, helper);
  if (name in PATH_HELPERS) {
    const sub = args[0] ? evaluate(args[0], scope) : scalar('', here);
    if (sub.t !== 'scalar') return unknown(`${name}() of an unknown path`, here);
    const joined = [scope.basePath ?? '', PATH_HELPERS[name], toStr(sub.v).replace(/^\/+/, '')].filter(Boolean).join('/');
    if (!charge(scope, joined.length)) return unknown('evaluation budget exhausted', here);
    return scalar(joined, here, sub.origin === here ? [] : [sub.origin]);
  }
  if (name in STRING_FUNCS && args[0]) {
    const v = evaluate(args[0], scope);
    if (v.t !== 'scalar') return v;
    if (!charge(scope, toStr(v.v).length)) return unknown('evaluation budget exhausted', here);
    return { ...v, v: STRING_FUNCS[name](toStr(v.v)) };
  }
  if (name === 'explode' && args.length >= 2) {
    const sep = evaluate(args[0], scope);
    const subject = evaluate(args[1], scope);
    if (sep.t !== 'scalar' || subject.t !== 'scalar') return unknown('explode() of an unknown value', here);
    if (toStr(sep.v) === '') return unknown('explode() with an empty separator', here); // a ValueError in PHP
    if (!charge(scope, toStr(subject.v).length)) return unknown('evaluation budget exhausted', here);
    const parts = toStr(subject.v).split(toStr(sep.v));
    if (parts.length + 1 > LIMITS.valueCells) return unknown(TOO_MANY, here);
    const array: Val = {
      t: 'array',
      entries: parts.map((p, i) => ({ key: i, value: subject.secret ? { ...scalar(p, subject.origin, subject.via), secret: true } : scalar(p, subject.origin, subject.via) })),
      origin: subject.origin,
      via: subject.via,
    };
    return setCells(array, parts.length + 1);
  }
  if (name === 'str_slug' && args[0]) return slugCall(args, scope, here);
  if ((name === 'dirname' || name === 'realpath') && args[0]) {
    const v = evaluate(args[0], scope);
    if (v.t !== 'scalar') return v;
    const p = toStr(v.v);
    return { ...v, v: name === 'dirname' ? p.split('/').slice(0, -1).join('/') : p };
  }
  return unknown(`${name}()`, here);
}

function staticCall(node: SyntaxNode, scope: EvalScope): Val {
  const cls = resolveClassName(node.childForFieldName('scope')?.text ?? '', { classes: scope.uses, functions: new Map() });
  const method = node.childForFieldName('name')?.text;
  const args = callArgs(node).map((a) => a.value);
  const here = originOf(scope, node);
  if ((cls === 'Str' || cls === 'Illuminate\\Support\\Str') && method === 'slug' && args[0]) return slugCall(args, scope, here);
  if ((cls === 'Env' || cls === 'Illuminate\\Support\\Env') && method === 'get') return envCall(node, args, scope);
  return unknown(`${cls}::${method}()`, here);
}

function slugCall(args: SyntaxNode[], scope: EvalScope, here: Origin): Val {
  const title = evaluate(args[0], scope);
  const sep = args[1] ? evaluate(args[1], scope) : scalar('-', here);
  if (title.t !== 'scalar' || sep.t !== 'scalar') return unknown('Str::slug() of an unknown value', here);
  // slug() makes a few passes and '@' becomes '-at-': bounded by the input, which is at most stringLength.
  if (!charge(scope, 4 * (toStr(title.v).length + toStr(sep.v).length))) return unknown('evaluation budget exhausted', here);
  const out = scalar(slug(toStr(title.v), toStr(sep.v)), title.origin, title.via);
  return title.secret ? { ...out, secret: true } : out;
}

function envCall(node: SyntaxNode, args: SyntaxNode[], scope: EvalScope): Val {
  const here = originOf(scope, node);
  const keyNode = args[0];
  const key = keyNode ? stringLiteral(keyNode) : undefined;
  if (key === undefined) return unknown('env() with a computed name', here);
  const set = scope.env.get(key);
  if (set) {
    if (set.unknown) return unknown(`${key}: ${set.unknown}`, here);
    const origin = scope.envOrigin(set);
    const readBy = { ...here, note: `${scope.file} reads env('${key}')` };
    const v = origin
      ? scalar(castEnvValue(set.value), { ...origin, fromEnv: true }, [readBy])
      : scalar(castEnvValue(set.value), { ...here, note: `${key} set on the command line` });
    return set.secret ? { ...v, secret: true } : v;
  }
  if (!args[1]) return scalar(null, { ...here, note: `${key} is not set and env('${key}') has no default` });
  const fallback = evaluate(args[1], scope);
  return { ...fallback, via: joinVia(fallback.via, [{ ...here, note: `${key} is not set in any env file` }]) } as Val;
}


/** The statements of a function body when they are a plain expression: `if (cond) return x;` guards, then `return y;`. */
export function plainHelperBody(body: SyntaxNode): SyntaxNode[] | undefined {
  const statements = body.namedChildren.filter((s): s is SyntaxNode => !!s && s.type !== 'comment');
  if (!statements.length || statements[statements.length - 1].type !== 'return_statement') return undefined;
  for (const s of statements.slice(0, -1)) {
    if (s.type !== 'if_statement' || s.childForFieldName('alternative')) return undefined;
    if (!guardReturn(s)) return undefined;
  }
  return statements;
}

function guardReturn(ifNode: SyntaxNode): SyntaxNode | undefined {
  let body = ifNode.childForFieldName('body');
  if (body?.type === 'compound_statement') {
    const inner = body.namedChildren.filter((s) => s && s.type !== 'comment');
    if (inner.length !== 1) return undefined;
    body = inner[0];
  }
  return body?.type === 'return_statement' ? (body.namedChildren[0] ?? undefined) : undefined;
}

/** Calls an app helper: arguments evaluated here, the body in the helper's own file with the parameters bound. */
function helperCall(node: SyntaxNode, args: SyntaxNode[], scope: EvalScope, helper: AppHelper): Val {
  const inner: EvalScope = { ...scope, file: helper.file, lines: helper.lines, vars: new Map(), helpers: undefined };
  helper.params.forEach((p, i) => {
    const v = args[i] ? evaluate(args[i], scope) : p.fallback ? evaluate(p.fallback, inner) : undefined;
    if (v) inner.vars.set(p.name, v);
  });
  for (const s of helper.statements) {
    if (s.type === 'return_statement') {
      const expr = s.namedChildren[0];
      return expr ? evaluate(expr, inner) : scalar(null, originOf(scope, node));
    }
    const cond = s.childForFieldName('condition');
    const c = cond ? evaluate(cond, inner) : unknown('if without a condition', originOf(scope, node));
    if (c.t !== 'scalar') return unknown(`${oneLine(node.text)}: a condition in the helper is not known`, originOf(scope, node));
    if (truthy(c.v)) return evaluate(guardReturn(s)!, inner);
  }
  return unknown(oneLine(node.text), originOf(scope, node));
}
