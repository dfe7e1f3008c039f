import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { defineRule, type SourceFile } from '../../src/engine/rule.js';
import type { LaravelFacts } from '../../src/ecosystems/laravel/facts.js';
import type { SyntaxNode } from '../../src/lang/php.js';
import { callArgs, callTarget, closest, enclosingFunction, fileImports, parameters, resolveClassName, stringLiteral } from '../../src/lang/php.js';
import { diskDriver, str } from './support/config.js';
import { isAppCode } from './support/paths.js';
import { isHttpReachablePath } from './support/http.js';
import { checkUploadDefaults } from './support/upload-defaults.js';
import { selectUploadFiles } from './support/upload-select.js';
import { collectUploads, finishUploadIndex, newUploadIndex, noteMediaDisks, type UploadIndex } from './support/upload-flow.js';

const STORE_METHODS = new Set(['store', 'storeAs', 'storePublicly', 'storePubliclyAs']);
const DISK_WRITES = new Set(['put', 'putFile', 'putFileAs', 'writeStream']);
const ANCHORS = /\b(?:store|storeAs|storePublicly|storePubliclyAs|put|putFile|putFileAs|writeStream|move|file_put_contents|fopen)\s*\(/;
const REQUEST_DATA = /\$request\b|\brequest\s*\(|Request::|\$_(?:FILES|POST|GET|REQUEST)\b|->file\s*\(|->getContent\s*\(|php:\/\/input/;
/** Paths that hold temporary or framework-owned files, not user data. */
const NOT_USER_DATA = /sys_get_temp_dir|tempnam|tmpfile|['"](?:framework|cache|logs?|tmp|temp)\b/;
const UPLOADED_FILE = /(^|\\)(UploadedFile|TemporaryUploadedFile)$/;

/** Is `expr` an uploaded file: `$request->file('x')`, a variable holding one, or a Livewire upload property? */
function isUpload(expr: SyntaxNode | null, root: SyntaxNode): boolean {
  if (!expr) return false;
  if ((expr.type === 'member_call_expression' || expr.type === 'nullsafe_member_call_expression' || expr.type === 'scoped_call_expression') && expr.childForFieldName('name')?.text === 'file') {
    return callArgs(expr).length > 0;
  }
  if (expr.type === 'variable_name') return variableHoldsUpload(expr, root);
  // `$request->file` (no call) is the uploaded file named "file" (Request::__get; issue 9, freescout).
  if (expr.type === 'member_access_expression' && expr.childForFieldName('object')?.text === '$request' && expr.childForFieldName('name')?.text === 'file') return true;
  if (expr.type === 'member_access_expression' && expr.childForFieldName('object')?.text === '$this') {
    const cls = closest(expr, 'class_declaration');
    return !!cls && memo(cls, 'livewire', () => /\buse\s+[\w\\]*WithFileUploads\b/.test(cls.text));
  }
  return false;
}

/**
 * Per-tree caches (issue 11 item 7): a method with thousands of `$f->store()` calls walked the method once per
 * call, and a one-line 1 MB file took minutes. Each scope is now walked once per file.
 */
const caches = new WeakMap<object, Map<string, unknown>>();
function memo<T>(node: SyntaxNode, kind: string, compute: () => T): T {
  let perTree = caches.get(node.tree);
  if (!perTree) caches.set(node.tree, (perTree = new Map()));
  const key = `${kind}:${node.id}`;
  if (!perTree.has(key)) perTree.set(key, compute());
  return perTree.get(key) as T;
}

/** The values assigned to one variable in a scope, in document order, checked lazily and once each. */
interface Assigned {
  values: { start: number; value: SyntaxNode }[];
  /** Next value to check. */
  next: number;
  /** Start of the first assignment found to hold an upload (Infinity: none found yet). */
  first: number;
}

/** One walk of a scope: every `$x = ...` and `foreach (... as $x)`, by variable, in document order. */
function assignmentsIn(scope: SyntaxNode): Map<string, Assigned> {
  const out = new Map<string, Assigned>();
  const add = (name: string, start: number, value: SyntaxNode) => {
    let a = out.get(name);
    if (!a) out.set(name, (a = { values: [], next: 0, first: Infinity }));
    a.values.push({ start, value });
  };
  const stack: SyntaxNode[] = [scope];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.type === 'assignment_expression') {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      if (left && right) add(left.text, n.startIndex, right);
    } else if (n.type === 'foreach_statement') {
      const [iterated, value] = n.namedChildren;
      const target = value?.type === 'pair' ? value.namedChildren[1] : value;
      if (target && iterated) add(target.text, n.startIndex, iterated);
    }
    const children = n.namedChildren;
    for (let i = children.length - 1; i >= 0; i--) if (children[i]) stack.push(children[i]!);
  }
  return out;
}

/** Was an upload assigned to this variable before it is used here (in its function, else the file)? */
function variableHoldsUpload(variable: SyntaxNode, root: SyntaxNode): boolean {
  const fn = enclosingFunction(variable);
  if (fn) {
    const param = memo(fn, 'params', () => parameters(fn)).find((p) => p.name === variable.text);
    if (param?.type && UPLOADED_FILE.test(resolveClassName(param.type.replace(/^\?/, ''), fileImports(root)))) return true;
  }
  const scope = fn ?? root;
  const a = memo(scope, 'assignments', () => assignmentsIn(scope)).get(variable.text);
  if (!a) return false;
  while (a.first === Infinity && a.next < a.values.length && a.values[a.next].start < variable.startIndex) {
    const candidate = a.values[a.next++];
    if (isUpload(candidate.value, root)) a.first = candidate.start;
  }
  return a.first < variable.startIndex;
}

/** The disk named by store()'s options argument: 'disk' or ['disk' => 'disk'] (undefined = default disk, null = unknown). */
function diskFromOptions(options: SyntaxNode | undefined): string | undefined | null {
  if (!options) return undefined;
  const literal = stringLiteral(options);
  if (literal !== undefined) return literal;
  if (options.type === 'array_creation_expression') {
    for (const el of options.namedChildren) {
      const [k, v] = el?.namedChildren ?? [];
      if (k && v && stringLiteral(k) === 'disk') return stringLiteral(v) ?? null;
    }
    return undefined;
  }
  return null;
}

function localDisk(laravel: LaravelFacts, disk: string | undefined): string | undefined {
  const name = disk ?? str(laravel.config.get('filesystems.default'));
  if (!name) return undefined;
  return str(diskDriver(laravel, name)) === 'local' ? name : undefined;
}

function mentionsLocalPath(n: SyntaxNode): boolean {
  return /\b(?:storage_path|public_path)\s*\(/.test(n.text) && !NOT_USER_DATA.test(n.text);
}

export default defineRule({
  meta: {
    id: 'laravel/upload-to-local-disk',
    ecosystem: 'laravel',
    category: 'uploads',
    severity: 'error',
    summary: 'Uploaded files are written to a local disk',
    why:
      'A file stored on the local disk exists only on the node that received the upload. The next request for it goes ' +
      'to another node and answers 404; the file is lost when the server is replaced.',
    remediation: "Store uploads on a shared disk: $request->file('avatar')->store('avatars', 's3'), or make the default disk s3 (FILESYSTEM_DISK=s3).",
    examples: {
      bad: "$path = $request->file('avatar')->store('avatars'); // default disk is local",
      good: "$path = $request->file('avatar')->store('avatars', 's3');",
    },
    fixable: false,
  },

  // Uploads followed through the app's own classes (support/upload-flow.ts; docs/ARCHITECTURE.md, "Project index").
  index: {
    files: {
      languages: ['php'],
      prefilter: /->\s*(?:file|store(?:As|Publicly|PubliclyAs)?|move|useDisk)\s*\(|\$request\s*->\s*file\b|UploadedFile|WithFileUploads|Storage::(?:disk|path|put|putFile|putFileAs|writeStream)\b|->\s*save\s*\(\s*(?:['"]|storage_path|public_path)|Intervention|Image::|file_put_contents|\bcopy\s*\(|\brename\s*\(|move_uploaded_file/,
      include: (path, facts) => isAppCode(path, facts) && !/^(database|resources)\//.test(path),
    },
    init: () => newUploadIndex(),
    // Parse only the files that can take part in a flow to a write (support/upload-select.ts); the media
    // library's `->useDisk()` is a text fact of every candidate.
    select: (files, index) => {
      for (const f of files) {
        if (!/->\s*useDisk\s*\(/.test(f.text)) continue;
        (index as UploadIndex).mediaUseDisk = true;
        noteMediaDisks(f.text, index as UploadIndex);
      }
      return selectUploadFiles(files);
    },
    collect: ({ file, index }) => collectUploads(file, index as UploadIndex),
    finish: (index, facts) => finishUploadIndex(index as UploadIndex, facts),
  },

  files: {
    languages: ['php'],
    // Only files that touch an upload, a named disk or a storage/public path can match (or hold a write the index found).
    prefilter: /->\s*(?:file|store(?:As|Publicly|PubliclyAs)?|move)\s*\(|\$request\s*->\s*file\b|UploadedFile|WithFileUploads|Storage::(?:disk|path|put|putFile|putFileAs|writeStream)\b|->\s*save\s*\(\s*(?:['"]|storage_path|public_path)|Intervention|Image::|file_put_contents|fopen|FileUpload::make|toMediaCollection|\bcopy\s*\(|\brename\s*\(|move_uploaded_file/,
    // Uploads arrive over HTTP: artisan commands and seeders write files on the one machine they run on.
    include: (path, facts) => isAppCode(path, facts) && !/^(app\/Console|database)\//.test(path),
  },
  checkFile({ facts, file, report: emit, index }) {
    const laravel = laravelOf(facts);
    if (!laravel) return;
    const reported = new Set<string>();
    const report = (r: { node: SyntaxNode; message: string }) => {
      const [a] = file.span(r.node);
      const p = file.lines.position(a);
      reported.add(`${p.line}:${p.column}`);
      emit(r);
    };
    try {
      checkDirect(laravel, file, report);
      if (isHttpReachablePath(file.path) || /WithFileUploads/.test(file.text)) checkUploadDefaults(laravel, file, report, index as UploadIndex | undefined);
    } finally {
      for (const f of (index as UploadIndex | undefined)?.findings.get(file.path) ?? []) {
        if (!reported.has(`${f.location.line}:${f.location.column}`)) emit(f);
      }
    }
  },
});

function checkDirect(laravel: LaravelFacts, file: SourceFile<SyntaxNode>, report: (r: { node: SyntaxNode; message: string }) => void): void {
  {
    for (const name of file.nodesAt(ANCHORS)) {
      const call = name.parent;
      if (!call) continue;
      const method = name.text;
      if (call.type === 'function_call_expression' && call.childForFieldName('function')?.id === name.id) {
        const args = callArgs(call).map((a) => a.value);
        if (!args[0] || !mentionsLocalPath(args[0])) continue;
        const writes = method === 'file_put_contents' ? !!args[1] : /[waxc]/.test(stringLiteral(args[1]) ?? '');
        if (writes && args.some((a) => REQUEST_DATA.test(a.text))) {
          report({ node: call, message: `${method}() writes request data under ${args[0].text.replace(/\s+/g, ' ').slice(0, 60)}, on this server's disk only.` });
        }
        continue;
      }
      if (call.childForFieldName('name')?.id !== name.id) continue;
      const target = callTarget(call);
      const args = callArgs(call).map((a) => a.value);
      if (STORE_METHODS.has(method) && isUpload(target, file.root)) {
        const disk = diskFromOptions(method === 'storeAs' || method === 'storePubliclyAs' ? args[2] : args[1]);
        if (disk === null) continue;
        const local = localDisk(laravel, disk);
        if (local) report({ node: name, message: `Uploaded file is stored on the '${local}' disk (local driver${disk ? '' : ', the default disk'}): other nodes will not find it.` });
      } else if (DISK_WRITES.has(method) && target?.type === 'scoped_call_expression' && target.childForFieldName('name')?.text === 'disk') {
        const cls = resolveClassName(target.childForFieldName('scope')?.text ?? '', fileImports(file.root));
        if (!/(^|\\)Storage$/.test(cls)) continue;
        const disk = stringLiteral(callArgs(target)[0]?.value);
        // Scratch files (`tmp/...`) are written and read by the same request; they are not shared state.
        if (args[0] && /^\W*(?:tmp|temp)\//i.test(args[0].text)) continue;
        const local = disk ? localDisk(laravel, disk) : undefined;
        if (local) report({ node: name, message: `Storage::disk('${local}')->${method}() writes to a local-driver disk: the file exists only on this server.` });
      } else if (method === 'move' && isUpload(target, file.root) && args[0] && mentionsLocalPath(args[0])) {
        report({ node: name, message: `Uploaded file is moved to ${args[0].text.replace(/\s+/g, ' ').slice(0, 60)}, on this server's disk only.` });
      }
    }
  }
}
