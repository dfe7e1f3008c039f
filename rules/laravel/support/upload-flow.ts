import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
import { laravelOf } from '../../../src/ecosystems/laravel/facts.js';
import type { Location, RelatedLocation } from '../../../src/engine/finding.js';
import type { ProjectFacts } from '../../../src/engine/project-facts.js';
import type { SourceFile } from '../../../src/engine/rule.js';
import type { SyntaxNode } from '../../../src/lang/php.js';
import { callArgs, callTarget, closest, fileImports, parameters, resolveClassName, stringLiteral, type FileImports } from '../../../src/lang/php.js';
import { asString } from '../../../src/engine/values.js';
import { isHttpReachablePath } from './http.js';

/**
 * Uploads followed through the app's own code (issue 9): a project index of classes -> methods -> which
 * parameters (and properties) reach a write to a per-server disk or path, and of the places where HTTP code
 * hands an upload (or its path or contents) to such a method. Built by the rule's index pre-pass
 * (docs/ARCHITECTURE.md, "Project index"); plain data only, no syntax nodes.
 */

type DiskRef = { kind: 'literal'; name: string } | { kind: 'config'; key: string } | { kind: 'const'; cls: string; name: string } | { kind: 'default' } | { kind: 'unknown' };

interface Sink {
  location: Location;
  /** "->storeAs() on the default disk", "file_put_contents() into storage_path(...)". */
  what: string;
  disk?: DiskRef;
}

interface Callee {
  cls: string;
  method: string;
}

interface Edge {
  callee: Callee;
  arg: number;
  site: Location;
}

interface Flow {
  sinks: Sink[];
  edges: Edge[];
  /** Properties of the same class that receive the value (`$this->file = $file`). */
  props: string[];
}

interface MethodInfo {
  /** Per parameter index. */
  params: Flow[];
}

interface ClassInfo {
  fq: string;
  parent?: string;
  traits: string[];
  methods: Map<string, MethodInfo>;
  constants: Map<string, string>;
  /** Per property: what happens to a value held there, in any method of the class. */
  props: Map<string, Flow>;
}

interface Entry {
  file: string;
  flow: Flow;
}

export interface UploadIndex {
  classes: Map<string, ClassInfo>;
  entries: Entry[];
  /** Findings per file (where the write is), computed by finishUploadIndex. */
  findings: Map<string, { location: Location; message: string; related: RelatedLocation[] }[]>;
  /** Some media collection picks its own disk (->useDisk()): the media library's default disk is then not provable. */
  mediaUseDisk: boolean;
  /** Media collections whose disk the app names: `addMediaCollection('x')->useDisk('y')` (null: more than one disk). */
  mediaDisks: Map<string, string | null>;
  /** Some ->useDisk() could not be tied to a literal collection and disk. */
  mediaDiskUnknown: boolean;
}

/**
 * Records each `->useDisk('disk')` against the `addMediaCollection('name')` it follows in the same statement
 * (by text; anything else makes the collections' disks unknown).
 */
export function noteMediaDisks(text: string, index: UploadIndex): void {
  for (const m of text.matchAll(/->\s*useDisk\s*\(/g)) {
    const before = text.slice(Math.max(0, m.index! - 2000), m.index);
    const start = before.lastIndexOf('addMediaCollection');
    const coll = start >= 0 && !before.slice(start).includes(';') ? /^addMediaCollection\s*\(\s*(['"])([\w.-]+)\1\s*\)/.exec(before.slice(start)) : null;
    const disk = /^\s*(['"])([\w.-]+)\1\s*\)/.exec(text.slice(m.index! + m[0].length));
    if (!coll || !disk) {
      index.mediaDiskUnknown = true;
      continue;
    }
    const had = index.mediaDisks.get(coll[2]);
    index.mediaDisks.set(coll[2], had === undefined || had === disk[2] ? disk[2] : null);
  }
}

const STORE_METHODS = new Set(['store', 'storeAs', 'storePublicly', 'storePubliclyAs']);
const DISK_WRITES = new Set(['put', 'putFile', 'putFileAs', 'writeStream']);
/** Accessors that give an upload's metadata, not its contents: passing these on carries no file. */
const METADATA = new Set([
  'getClientOriginalName', 'getClientOriginalExtension', 'extension', 'clientExtension', 'guessExtension', 'getSize', 'getMimeType',
  'getClientMimeType', 'hashName', 'isValid', 'getError', 'getErrorMessage', 'dimensions', 'getFilename', 'getExtension', 'temporaryUrl', 'isPreviewable',
]);
const NOT_USER_DATA = /sys_get_temp_dir|tempnam|tmpfile|['"](?:framework|cache|logs?|tmp|temp)\b/;
const LOCAL_PATH = /\b(?:storage_path|public_path)\s*\(/;
const CALL_TYPES = ['member_call_expression', 'nullsafe_member_call_expression', 'scoped_call_expression', 'function_call_expression', 'object_creation_expression'];
const UPLOADED_FILE = /(^|\\)(UploadedFile|TemporaryUploadedFile)$/;
/** The magic property `$request->file` (not the call `$request->file('x')`, not `->files`). */
export const MAGIC_FILE = /\$request\s*->\s*file\b(?!\s*\()/;

export function newUploadIndex(): UploadIndex {
  return { classes: new Map(), entries: [], findings: new Map(), mediaUseDisk: false, mediaDisks: new Map(), mediaDiskUnknown: false };
}

function mentionsLocalPath(n: SyntaxNode | undefined): boolean {
  return !!n && LOCAL_PATH.test(n.text) && !NOT_USER_DATA.test(n.text);
}

const emptyFlow = (): Flow => ({ sinks: [], edges: [], props: [] });

/** Does `expr` carry a tainted value (not only its metadata)? */
function derives(expr: SyntaxNode | null | undefined, tainted: Set<string>): boolean {
  if (!expr || !tainted.size) return false;
  // Every key is a node's text without white space, so it is a substring of the expression's: else no walk.
  const flat = expr.text.replace(/\s+/g, '');
  let mentioned = false;
  for (const t of tainted) if (flat.includes(t)) { mentioned = true; break; }
  if (!mentioned) return false;
  // `$request->file` (originTaint) is the one tainted property access on another object than $this.
  const magic = tainted.has('$request->file');
  const stack: SyntaxNode[] = [expr];
  while (stack.length) {
    const n = stack.pop()!;
    const key =
      n.type === 'variable_name' ? n.text
      : (n.type === 'member_access_expression' && (magic || n.childForFieldName('object')?.text === '$this')) || n.type.endsWith('call_expression') ? n.text.replace(/\s+/g, '')
      : undefined;
    if (key && tainted.has(key)) {
      const p = n.parent;
      const meta = p && (p.type === 'member_call_expression' || p.type === 'nullsafe_member_call_expression') && p.childForFieldName('object')?.id === n.id && METADATA.has(p.childForFieldName('name')?.text ?? '');
      if (!meta) return true;
      continue;
    }
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return false;
}

interface Scope {
  file: SourceFile<SyntaxNode>;
  imports: FileImports;
  cls?: string;
  parent?: string;
  /** Property name -> class (typed properties, promoted parameters). */
  propTypes: Map<string, string>;
}

function loc(scope: Scope, n: SyntaxNode): Location {
  const [a, b] = scope.file.span(n);
  return scope.file.lines.location(scope.file.path, a, b);
}

function diskRef(n: SyntaxNode | undefined, scope: Scope): DiskRef {
  if (!n) return { kind: 'default' };
  const lit = stringLiteral(n);
  if (lit !== undefined) return { kind: 'literal', name: lit };
  if (n.type === 'function_call_expression' && n.childForFieldName('function')?.text === 'config') {
    const key = stringLiteral(callArgs(n)[0]?.value);
    return key ? { kind: 'config', key } : { kind: 'unknown' };
  }
  if (n.type === 'class_constant_access_expression') {
    const [c, name] = n.namedChildren;
    if (!c || !name) return { kind: 'unknown' };
    const cls = c.text === 'self' || c.text === 'static' ? scope.cls : c.text === 'parent' ? scope.parent : resolveClassName(c.text, scope.imports);
    return cls ? { kind: 'const', cls, name: name.text } : { kind: 'unknown' };
  }
  return { kind: 'unknown' };
}

/** store()'s options: 'disk' or ['disk' => 'disk']. */
function optionsDisk(n: SyntaxNode | undefined, scope: Scope): DiskRef {
  if (!n) return { kind: 'default' };
  if (n.type === 'array_creation_expression') {
    for (const el of n.namedChildren) {
      const [k, v] = el?.namedChildren ?? [];
      if (k && v && stringLiteral(k) === 'disk') return diskRef(v, scope);
    }
    return { kind: 'default' };
  }
  return diskRef(n, scope);
}

/** The disk a Storage write goes to: `Storage::disk(X)->put()`, `Storage::put()` (default), `$disk->put()` with `$disk = Storage::disk(X)`. */
function storageDisk(target: SyntaxNode | null, call: SyntaxNode, scope: Scope, body: SyntaxNode): DiskRef | undefined {
  const isStorage = (t: SyntaxNode | null | undefined) => !!t && /(^|\\)Storage$/.test(resolveClassName(t.text, scope.imports));
  if (call.type === 'scoped_call_expression') return isStorage(target) ? { kind: 'default' } : undefined;
  if (!target) return undefined;
  if (target.type === 'scoped_call_expression' && target.childForFieldName('name')?.text === 'disk' && isStorage(target.childForFieldName('scope'))) {
    return diskRef(callArgs(target)[0]?.value, scope);
  }
  if (target.type === 'variable_name') {
    // The first `$disk = Storage::disk(...)` of this variable in the body, if it comes before the call.
    const first = firstAssigned(body, target.text, 'storage-disk', (right) => right.type === 'scoped_call_expression' && right.childForFieldName('name')?.text === 'disk' && isStorage(right.childForFieldName('scope')) ? right : undefined);
    if (first && first.start <= call.startIndex) return diskRef(callArgs(first.value)[0]?.value, scope);
  }
  return undefined;
}

/** Assignments in a body by the text of their left side, in document order (one pass per body). */
function assignmentsByName(body: SyntaxNode): Map<string, SyntaxNode[]> {
  let perTree = descCache.get(body.tree);
  if (!perTree) descCache.set(body.tree, (perTree = new Map()));
  const key = `${body.id}|by-name`;
  let hit = byNameCache.get(perTree)?.get(key);
  if (hit) return hit;
  hit = new Map();
  for (const a of descendants(body, ['assignment_expression'])) {
    const left = a.childForFieldName('left')?.text;
    if (left === undefined) continue;
    const list = hit.get(left) ?? [];
    list.push(a);
    hit.set(left, list);
  }
  if (!byNameCache.has(perTree)) byNameCache.set(perTree, new Map());
  byNameCache.get(perTree)!.set(key, hit);
  return hit;
}
const byNameCache = new WeakMap<object, Map<string, Map<string, SyntaxNode[]>>>();

/**
 * The first assignment (document order) of `name` in `body` whose right side `pick` accepts, with what pick
 * returned; computed once per body, name and question, so a method with thousands of calls stays linear.
 */
function firstAssigned<T>(body: SyntaxNode, name: string, question: string, pick: (right: SyntaxNode, a: SyntaxNode) => T | undefined): { start: number; value: T } | undefined {
  let perTree = firstCache.get(body.tree);
  if (!perTree) firstCache.set(body.tree, (perTree = new Map()));
  const key = `${body.id}|${question}|${name}`;
  if (perTree.has(key)) return perTree.get(key) as { start: number; value: T } | undefined;
  perTree.set(key, undefined); // a cycle (`$a = $a`) finds nothing rather than recursing for ever
  let found: { start: number; value: T } | undefined;
  for (const a of assignmentsByName(body).get(name) ?? []) {
    const right = a.childForFieldName('right');
    const value = right ? pick(right, a) : undefined;
    if (value !== undefined) {
      found = { start: a.startIndex, value };
      break;
    }
  }
  perTree.set(key, found);
  return found;
}
const firstCache = new WeakMap<object, Map<string, unknown>>();

function classOfExpr(n: SyntaxNode | null, scope: Scope, fn: SyntaxNode, body: SyntaxNode): string | undefined {
  if (!n) return undefined;
  if (n.text === '$this') return scope.cls;
  if (n.type === 'parenthesized_expression') return classOfExpr(n.namedChildren[0] ?? null, scope, fn, body);
  if (n.type === 'object_creation_expression') {
    const name = n.namedChildren.find((c) => c?.type === 'name' || c?.type === 'qualified_name');
    return name ? resolveClassName(name.text, scope.imports) : undefined;
  }
  if (n.type === 'function_call_expression' && /^(?:app|resolve)$/.test(n.childForFieldName('function')?.text ?? '')) {
    const arg = callArgs(n)[0]?.value;
    if (arg?.type === 'class_constant_access_expression' && arg.namedChildren[1]?.text === 'class') return resolveClassName(arg.namedChildren[0]!.text, scope.imports);
    return undefined;
  }
  if (n.type === 'member_access_expression' && n.childForFieldName('object')?.text === '$this') return scope.propTypes.get(n.childForFieldName('name')?.text ?? '');
  if (n.type === 'variable_name') {
    const param = parameters(fn).find((p) => p.name === n.text);
    if (param?.type) return resolveClassName(param.type.replace(/^\?/, ''), scope.imports);
    // The first assignment of the variable whose value has a known class, if it comes before this use.
    const first = firstAssigned(body, n.text, `class:${fn.id}`, (right) => classOfExpr(right, scope, fn, body));
    if (first && first.start <= n.startIndex) return first.value;
  }
  return undefined;
}

function calleeOf(call: SyntaxNode, scope: Scope, fn: SyntaxNode, body: SyntaxNode): Callee | undefined {
  if (call.type === 'object_creation_expression') {
    const cls = classOfExpr(call, scope, fn, body);
    return cls ? { cls, method: '__construct' } : undefined;
  }
  if (call.type === 'function_call_expression') return undefined;
  const method = call.childForFieldName('name')?.text;
  if (!method) return undefined;
  if (call.type === 'scoped_call_expression') {
    const s = call.childForFieldName('scope')?.text ?? '';
    const cls = s === 'self' || s === 'static' ? scope.cls : s === 'parent' ? scope.parent : resolveClassName(s, scope.imports);
    if (!cls) return undefined;
    return /^dispatch(?:Sync|Now|AfterResponse)?$/.test(method) ? { cls, method: '__construct' } : { cls, method };
  }
  const cls = classOfExpr(callTarget(call), scope, fn, body);
  return cls ? { cls, method } : undefined;
}

const descCache = new WeakMap<object, Map<string, SyntaxNode[]>>();
/** Every node type the walks over a body ask for: one WASM walk per body serves all of them. */
const BODY_TYPES = ['assignment_expression', 'foreach_statement', ...CALL_TYPES];

/**
 * Descendants of a node by type, computed once per node (flowOf runs once per parameter over the same body):
 * one walk for the union of BODY_TYPES, then filtered (the walk is pre-order, so a filter keeps its order).
 */
function descendants(n: SyntaxNode, types: string[]): SyntaxNode[] {
  let perTree = descCache.get(n.tree);
  if (!perTree) descCache.set(n.tree, (perTree = new Map()));
  const key = `${n.id}|${types.join(',')}`;
  let hit = perTree.get(key);
  if (hit) return hit;
  if (types.every((t) => BODY_TYPES.includes(t))) {
    const allKey = `${n.id}|*`;
    let all = perTree.get(allKey);
    if (!all) perTree.set(allKey, (all = n.descendantsOfType(BODY_TYPES).filter((x): x is SyntaxNode => !!x)));
    hit = all.filter((x) => types.includes(x.type));
  } else hit = n.descendantsOfType(types).filter((x): x is SyntaxNode => !!x);
  perTree.set(key, hit);
  return hit;
}

/** Promoted constructor parameters of a method; a parameter list without a visibility keyword has none (skips the walk). */
function promotedParameters(m: SyntaxNode): SyntaxNode[] {
  const params = m.childForFieldName('parameters');
  if (!params || !/\b(?:public|private|protected|readonly)\b/i.test(m.text.slice(params.startIndex - m.startIndex))) return [];
  return m.descendantsOfType('property_promotion_parameter').filter((x): x is SyntaxNode => !!x);
}

/** What happens to the values in `tainted` inside one function body. */
function flowOf(fn: SyntaxNode, body: SyntaxNode, initial: Set<string>, scope: Scope): Flow {
  // A body that never mentions the value cannot move it (the common case: skip the walk).
  if (![...initial].some((t) => body.text.includes(t.startsWith('$this->') ? t.slice(7).split('(')[0] : t.split(/[-(]/)[0]))) return emptyFlow();
  const tainted = new Set(initial);
  const flow = emptyFlow();
  // Assignments and foreach carry the value forward (two passes for back-to-back assignments in loops).
  for (let pass = 0; pass < 2; pass++) {
    for (const a of descendants(body, ['assignment_expression', 'foreach_statement'])) {
      if (a.type === 'foreach_statement') {
        const [iterated, value] = a.namedChildren;
        const target = value?.type === 'pair' ? value.namedChildren[1] : value;
        if (target && derives(iterated, tainted)) tainted.add(target.text);
        continue;
      }
      const left = a.childForFieldName('left');
      const right = a.childForFieldName('right');
      if (!left || !right || !derives(right, tainted)) continue;
      const key = left.text.replace(/\s+/g, '');
      if (left.type === 'variable_name') tainted.add(key);
      else if (left.type === 'member_access_expression' && left.childForFieldName('object')?.text === '$this') {
        tainted.add(key);
        const prop = left.childForFieldName('name')?.text;
        if (prop && !flow.props.includes(prop)) flow.props.push(prop);
      }
    }
  }
  for (const call of descendants(body, CALL_TYPES)) {
    const args = callArgs(call).map((a) => a.value);
    if (call.type === 'function_call_expression') {
      const name = call.childForFieldName('function')?.text;
      if (name === 'file_put_contents' && mentionsLocalPath(args[0]) && derives(args[1], tainted)) {
        flow.sinks.push({ location: loc(scope, call), what: `file_put_contents() into ${short(args[0]!.text)}` });
      } else if ((name === 'copy' || name === 'rename' || name === 'move_uploaded_file') && derives(args[0], tainted) && mentionsLocalPath(args[1])) {
        flow.sinks.push({ location: loc(scope, call), what: `${name}() into ${short(args[1]!.text)}` });
      }
    } else if (call.type !== 'object_creation_expression') {
      const method = call.childForFieldName('name')?.text ?? '';
      const target = callTarget(call);
      const nameNode = call.childForFieldName('name')!;
      if (STORE_METHODS.has(method) && call.type !== 'scoped_call_expression' && derives(target, tainted) && !storageDisk(target, call, scope, body)) {
        flow.sinks.push({ location: loc(scope, nameNode), what: `->${method}()`, disk: optionsDisk(method.endsWith('As') ? args[2] : args[1], scope) });
      } else if (method === 'move' && derives(target, tainted) && mentionsLocalPath(args[0])) {
        flow.sinks.push({ location: loc(scope, nameNode), what: `->move() into ${short(args[0]!.text)}` });
      } else if (method === 'save' && args[0] && derives(target, tainted)) {
        const into = saveTarget(args[0], call, scope, body, 0);
        if (into) flow.sinks.push({ location: loc(scope, nameNode), what: `->save() of the image into ${into.what}`, disk: into.disk });
      } else if (DISK_WRITES.has(method) && derives(args[1], tainted) && !(args[0] && /^\W*(?:tmp|temp)\//i.test(args[0].text))) {
        const disk = storageDisk(target, call, scope, body);
        if (disk) flow.sinks.push({ location: loc(scope, nameNode), what: `Storage ${method}()`, disk });
      }
    }
    // The value handed on to another method or constructor of the project.
    const handed = args.map((a, i) => (derives(a, tainted) ? i : -1)).filter((i) => i >= 0);
    if (!handed.length) continue;
    const callee = calleeOf(call, scope, fn, body);
    if (callee) for (const i of handed) flow.edges.push({ callee, arg: i, site: loc(scope, call) });
  }
  return flow;
}

/**
 * Where an image's `->save($path)` writes, when that is this server's disk (issue 9, UNIT3D): storage_path() /
 * public_path(), a literal path, or a disk's `->path()` (`Storage::disk('avatars')->path($f)`: the disk's driver is
 * checked when the index finishes), directly or through a variable assigned before the call.
 */
function saveTarget(arg: SyntaxNode, at: SyntaxNode, scope: Scope, body: SyntaxNode, depth: number): { what: string; disk?: DiskRef } | undefined {
  if (mentionsLocalPath(arg)) return { what: short(arg.text) };
  if (NOT_USER_DATA.test(arg.text)) return undefined;
  const lit = stringLiteral(arg);
  // A stream wrapper (s3://, php://memory) is not a local file.
  // Only written in the call itself: support/upload-select.ts finds such writers by the text `->save('`.
  if (lit !== undefined) return depth === 0 && lit && !lit.includes('://') ? { what: short(arg.text) } : undefined;
  if (arg.type === 'member_call_expression' || arg.type === 'scoped_call_expression') {
    if (arg.childForFieldName('name')?.text !== 'path') return undefined;
    const disk = storageDisk(callTarget(arg), arg, scope, body);
    return disk ? { what: `the disk path ${short(arg.text)}`, disk } : undefined;
  }
  if (arg.type === 'variable_name' && depth < 2) {
    // The last assignment before the call: `$path` is often reused for a second disk a few lines down.
    // Binary search (the list is in document order): a method with thousands of saves stays n log n.
    const list = assignmentsByName(body).get(arg.text) ?? [];
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].startIndex < at.startIndex) lo = mid + 1;
      else hi = mid;
    }
    const last = lo > 0 ? list[lo - 1] : undefined;
    const right = last?.childForFieldName('right');
    if (last && right) return saveTarget(right, last, scope, body, depth + 1);
  }
  return undefined;
}

/**
 * Can a parameter or property of this declared type hold an upload, its path or its contents? Untyped, scalar
 * and file types can; a service, model or request type cannot (dependency injection, the common case).
 */
function canCarry(type: string | undefined, imports: FileImports): boolean {
  if (!type) return true;
  const parts = type.replace(/^\?/, '').split(/[|&]/);
  return parts.some((t) => /^(?:string|mixed|resource)$/i.test(t.split('\\').pop() ?? t) || /(^|\\)(?:UploadedFile|TemporaryUploadedFile|File|SplFileInfo|Collection)$/.test(resolveClassName(t, imports)));
}

function short(text: string): string {
  const t = text.replace(/\s+/g, ' ');
  return t.length > 50 ? `${t.slice(0, 47)}...` : t;
}

/** Upload values a method of HTTP code starts with: `$request->file()`, `$this->file()` (FormRequest), UploadedFile parameters, Livewire upload properties. */
function originTaint(fn: SyntaxNode, body: SyntaxNode, scope: Scope, livewireProps: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const p of parameters(fn)) if (p.type && UPLOADED_FILE.test(resolveClassName(p.type.replace(/^\?/, ''), scope.imports))) out.add(p.name);
  for (const p of livewireProps) out.add(`$this->${p}`);
  // `$request->file` is Request::__get('file'): the input or the uploaded file named "file" (issue 9, freescout).
  if (MAGIC_FILE.test(body.text)) out.add('$request->file');
  // Both loops below look for ->file() / ->allFiles() calls: a body that never says so has none.
  if (!/\b(?:file|allFiles)\b/.test(body.text)) return out;
  for (const a of descendants(body, ['assignment_expression'])) {
    const right = a?.childForFieldName('right');
    const left = a?.childForFieldName('left');
    if (!a || !right || !left) continue;
    if (isFileCall(right)) out.add(left.text.replace(/\s+/g, ''));
  }
  // Inline `$request->file('x')` passed straight on: a pseudo-variable the call's argument text carries.
  for (const call of descendants(body, ['member_call_expression', 'nullsafe_member_call_expression', 'scoped_call_expression'])) {
    if (call && isFileCall(call)) out.add(call.text.replace(/\s+/g, ''));
  }
  return out;
}

function isFileCall(n: SyntaxNode): boolean {
  if (!['member_call_expression', 'nullsafe_member_call_expression', 'scoped_call_expression'].includes(n.type)) return false;
  const name = n.childForFieldName('name')?.text;
  return (name === 'file' && callArgs(n).length > 0) || name === 'allFiles';
}

/** Collects one file into the index. */
export function collectUploads(file: SourceFile<SyntaxNode>, index: UploadIndex): void {
  const imports = fileImports(file.root);
  const http = isHttpReachablePath(file.path);
  if (/->\s*useDisk\s*\(/.test(file.text)) index.mediaUseDisk = true;
  for (const decl of file.root.descendantsOfType(['class_declaration', 'trait_declaration'])) {
    if (!decl) continue;
    const name = decl.childForFieldName('name')?.text;
    if (!name) continue;
    const fq = imports.namespace ? `${imports.namespace}\\${name}` : name;
    const base = decl.namedChildren.find((c) => c?.type === 'base_clause')?.namedChildren[0];
    const parent = base ? resolveClassName(base.text, imports) : undefined;
    const info: ClassInfo = { fq, parent, traits: [], methods: new Map(), constants: new Map(), props: new Map() };
    const scope: Scope = { file, imports, cls: fq, parent, propTypes: new Map() };
    const body = decl.childForFieldName('body');
    if (!body) continue;
    for (const m of body.namedChildren) {
      if (!m) continue;
      if (m.type === 'use_declaration') for (const t of m.namedChildren) if (t && (t.type === 'name' || t.type === 'qualified_name')) info.traits.push(resolveClassName(t.text, imports));
      if (m.type === 'const_declaration') {
        for (const el of m.descendantsOfType('const_element')) {
          const [k, v] = el?.namedChildren ?? [];
          const val = stringLiteral(v);
          if (k && val !== undefined) info.constants.set(k.text, val);
        }
      }
      if (m.type === 'property_declaration') {
        const type = m.childForFieldName('type')?.text;
        if (type) for (const v of m.descendantsOfType('variable_name')) if (v) scope.propTypes.set(v.text.slice(1), resolveClassName(type.replace(/^\?/, ''), imports));
      }
    }
    const methods = body.namedChildren.filter((m): m is SyntaxNode => m?.type === 'method_declaration');
    for (const m of methods) {
      for (const p of promotedParameters(m)) {
        const type = p?.childForFieldName('type')?.text;
        const pname = p?.childForFieldName('name')?.text;
        if (type && pname) scope.propTypes.set(pname.slice(1), resolveClassName(type.replace(/^\?/, ''), imports));
      }
    }
    const livewire = /\buse\s+[\w\\]*WithFileUploads\b/.test(decl.text);
    const livewireProps = new Set<string>();
    if (livewire) {
      // Properties validated as files ('avatar' => ['required', 'image'], #[Validate('file|max:1024')] public $upload).
      for (const m of decl.text.matchAll(/['"](\w+)(?:\.\*)?['"]\s*=>\s*(?:\[[^\]]*?|['"][^'"]*?)\b(?:image|file|mimes|mimetypes)\b/g)) livewireProps.add(m[1]);
      for (const m of decl.text.matchAll(/#\[(?:Validate|Rule)\(\s*['"][^'"]*\b(?:image|file|mimes)\b[^\]]*\]\s*(?:public|protected)\s+(?:\??[\w\\|]+\s+)?\$(\w+)/g)) livewireProps.add(m[1]);
      for (const m of decl.text.matchAll(/(?:public|protected)\s+\??[\w\\|]*TemporaryUploadedFile[\w\\|]*\s+\$(\w+)/g)) livewireProps.add(m[1]);
      for (const c of decl.descendantsOfType(['member_call_expression'])) {
        const obj = c?.childForFieldName('object');
        const mname = c?.childForFieldName('name')?.text ?? '';
        if (obj?.type === 'member_access_expression' && obj.childForFieldName('object')?.text === '$this' && /^(?:store\w*|getRealPath|path|get|temporaryUrl|getClientOriginalName)$/.test(mname)) livewireProps.add(obj.childForFieldName('name')!.text);
      }
    }
    const isFormRequest = /FormRequest$/.test(parent ?? '');
    for (const m of methods) {
      const mname = m.childForFieldName('name')?.text;
      const mbody = m.childForFieldName('body');
      if (!mname || !mbody) continue;
      const params = parameters(m);
      const info_: MethodInfo = { params: params.map((p) => (canCarry(p.type, imports) ? flowOf(m, mbody, new Set([p.name]), scope) : emptyFlow())) };
      // Promoted constructor parameters land in the property of the same name.
      if (mname === '__construct') {
        promotedParameters(m).forEach((p) => {
          const pn = p?.childForFieldName('name')?.text;
          const i = params.findIndex((x) => x.name === pn);
          if (pn && i >= 0 && !info_.params[i].props.includes(pn.slice(1))) info_.params[i].props.push(pn.slice(1));
        });
      }
      info.methods.set(mname, info_);
      if (http || livewire || isFormRequest) {
        const origins = originTaint(m, mbody, scope, livewireProps);
        if (origins.size) index.entries.push({ file: file.path, flow: flowOf(m, mbody, origins, scope) });
      }
    }
    // What each method does with a value held in a property.
    const held = new Set<string>();
    for (const mi of info.methods.values()) for (const f of mi.params) for (const p of f.props) if (!scope.propTypes.has(p) || canCarry(scope.propTypes.get(p), imports)) held.add(p);
    for (const p of held) {
      const flow = emptyFlow();
      for (const m of methods) {
        const mbody = m.childForFieldName('body');
        if (!mbody) continue;
        const f = flowOf(m, mbody, new Set([`$this->${p}`]), scope);
        flow.sinks.push(...f.sinks);
        flow.edges.push(...f.edges);
      }
      info.props.set(p, flow);
    }
    index.classes.set(fq, info);
  }
}

function findMethod(index: UploadIndex, cls: string, method: string, depth = 0): { cls: ClassInfo; info: MethodInfo } | undefined {
  const c = index.classes.get(cls);
  if (!c || depth > 8) return undefined;
  const own = c.methods.get(method);
  if (own) return { cls: c, info: own };
  for (const t of c.traits) {
    const found = findMethod(index, t, method, depth + 1);
    if (found) return { cls: c, info: found.info };
  }
  return c.parent ? findMethod(index, c.parent, method, depth + 1) : undefined;
}

function constantOf(index: UploadIndex, cls: string, name: string, depth = 0): string | undefined {
  const c = index.classes.get(cls);
  if (!c || depth > 8) return undefined;
  return c.constants.get(name) ?? c.traits.map((t) => constantOf(index, t, name, depth + 1)).find(Boolean) ?? (c.parent ? constantOf(index, c.parent, name, depth + 1) : undefined);
}

/** Every sink a flow reaches, through calls and properties of the project. */
function reach(index: UploadIndex, flow: Flow, seen: Set<string>, path: Location[], out: { sink: Sink; via: Location[] }[]): void {
  for (const sink of flow.sinks) out.push({ sink, via: path });
  for (const edge of flow.edges) {
    const key = `${edge.callee.cls}::${edge.callee.method}#${edge.arg}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const m = findMethod(index, edge.callee.cls, edge.callee.method);
    const next = m?.info.params[edge.arg];
    if (!m || !next) continue;
    reach(index, next, seen, [...path, edge.site], out);
    for (const prop of next.props) {
      const pk = `${m.cls.fq}->${prop}`;
      if (seen.has(pk)) continue;
      seen.add(pk);
      const held = m.cls.props.get(prop);
      if (held) reach(index, held, seen, [...path, edge.site], out);
    }
  }
}

function resolveDisk(index: UploadIndex, laravel: LaravelFacts, disk: DiskRef): { name: string; how: string } | undefined {
  switch (disk.kind) {
    case 'literal':
      return { name: disk.name, how: `'${disk.name}'` };
    case 'default': {
      const name = asString(laravel.config.get('filesystems.default'));
      return name ? { name, how: `the default disk '${name}'` } : undefined;
    }
    case 'config': {
      const name = asString(laravel.config.get(disk.key));
      return name ? { name, how: `'${name}' (config('${disk.key}'))` } : undefined;
    }
    case 'const': {
      const name = constantOf(index, disk.cls, disk.name);
      return name ? { name, how: `'${name}' (${disk.cls.split('\\').pop()}::${disk.name})` } : undefined;
    }
    default:
      return undefined;
  }
}

/** Turns the entries into findings at the writes, keyed by the file that holds each write. */
export function finishUploadIndex(index: UploadIndex, facts: ProjectFacts): void {
  const laravel = laravelOf(facts);
  if (!laravel) return;
  const reported = new Set<string>();
  for (const entry of index.entries) {
    const found: { sink: Sink; via: Location[] }[] = [];
    reach(index, entry.flow, new Set(), [], found); // writes the controller makes itself are also reported by checkFile: deduplicated there
    for (const { sink, via } of found) {
      let where = sink.what;
      if (sink.disk) {
        const d = resolveDisk(index, laravel, sink.disk);
        if (!d || asString(laravel.config.get(`filesystems.disks.${d.name}.driver`)) !== 'local') continue;
        where = `${sink.what} on ${d.how} (local driver)`;
      }
      const list = index.findings.get(sink.location.file) ?? [];
      index.findings.set(sink.location.file, list);
      const related = via.map((l) => ({ file: l.file, line: l.line, message: 'the upload is handed on here' }));
      // One finding per write position (a Set: a file with thousands of writes was quadratic here).
      const at = `${sink.location.file}:${sink.location.line}:${sink.location.column}`;
      if (reported.has(at)) continue;
      reported.add(at);
      list.push({ location: sink.location, message: `A user upload${via.length ? ` handed on from ${via[0].file}:${via[0].line}` : ''} is written by ${where}: the file exists only on the server that took the request.`, related });
    }
  }
}
