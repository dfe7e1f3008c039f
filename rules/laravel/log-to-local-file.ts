import { laravelOf, type LaravelFacts } from '../../src/ecosystems/laravel/facts.js';
import type { ProjectFacts } from '../../src/engine/project-facts.js';
import type { RelatedLocation } from '../../src/engine/finding.js';
import { defineRule, type SourceFile } from '../../src/engine/rule.js';
import { callArgs, callTarget, enclosingFunction, fileImports, resolveClassName, stringLiteral, type FileImports, type SyntaxNode } from '../../src/lang/php.js';
import { str } from './support/config.js';
import { FILE_HANDLERS, localLeaves, PROCESS_STREAM, type LocalLeaf } from './support/log-channels.js';
import { isAppCode } from './support/paths.js';
import { phpCodeMap, type PhpCodeMap } from '../../src/lang/php-text.js';

const MONOLOG_FILE_HANDLER = /^Monolog\\Handler\\(StreamHandler|RotatingFileHandler)$/;
const LOG_FACADE = /^(?:Illuminate\\Support\\Facades\\)?Log$/;
const CHANNEL_METHODS = new Set(['channel', 'driver', 'stack']);
const PATH_HELPERS = /^\\?(?:storage_path|base_path|app_path|public_path|resource_path|database_path)$/;
const CALLS = new Set(['member_call_expression', 'nullsafe_member_call_expression', 'scoped_call_expression']);
/** Explicit channel uses: Log::channel('x'), Log::stack([...]), logger()->channel('x'), app('log')->channel('x'). */
const USE_PREFILTER = /\bLog::(?:channel|driver|stack)\s*\(|logger\(\)\s*->\s*(?:channel|driver|stack)\s*\(|app\(\s*['"]log['"]\s*\)\s*->/;

const USE_PREFILTER_ALL = new RegExp(USE_PREFILTER.source, 'g');

/** Where one explicit channel use is, as plain data for the project index. */
interface Use {
  path: string;
  start: number;
  line: number;
}

/** The app's explicit channel uses: by channel name, in path order (the first one carries the finding). */
interface UseIndex {
  uses: Map<string, Use[]>;
  /** Files holding the first use of a channel that writes files (finish() fills it): the only uses checkFile reports. */
  firstPaths: Set<string>;
}

function addUse(index: UseIndex, name: string, use: Use): void {
  const list = index.uses.get(name) ?? [];
  list.push(use);
  index.uses.set(name, list);
}

/** The handler and Log::build() parts of checkFile, which need no index. */
const ADHOC_PREFILTER = /StreamHandler|RotatingFileHandler|Log::build\s*\(/;
/** `Log::channel('x')` / `Log::driver('x')` / `Log::channel()` as written at a USE_PREFILTER hit (read from the original text). */
const SIMPLE_USE = /(?:channel|driver)\s*\(\s*(?:(['"])([\w .:\/-]*)\1\s*)?\)/y;
const FACADE_NAMES = new Set(['Log', 'Illuminate\\Support\\Facades\\Log']);

/** Does a `use` statement bind the name Log to something other than the facade? (Then the parser decides.) */
function importsOtherLog(text: string, code: PhpCodeMap): boolean {
  for (const m of text.matchAll(/\buse\s+([^;(]+);/g)) {
    if (!code.isCode(m.index)) continue;
    const clause = m[1].trim();
    if (/^(?:function|const)\s/.test(clause)) continue;
    if (clause.includes('{')) {
      if (/\bLog\b/.test(clause)) return true;
      continue;
    }
    for (const part of clause.split(',')) {
      const [, name, alias] = /^\s*\\?([\w\\]+)(?:\s+as\s+(\w+))?\s*$/i.exec(part) ?? [];
      if (!name) continue;
      if ((alias ?? name.split('\\').pop()) === 'Log' && !FACADE_NAMES.has(name)) return true;
    }
  }
  return false;
}

/**
 * The channel uses of a file read from its text, or undefined when only the parser can tell (the index then
 * parses the file). Text is enough for the common `Log::channel('audit')` on the facade: the comments and
 * strings are told apart first (phpCodeMap), and any other shape (a variable or config() argument, stack(),
 * logger()->, app('log'), a qualified or imported-elsewhere Log) sends the file to the parser.
 */
function textUses(path: string, text: string): { name: string; use: Use }[] | undefined {
  const code = phpCodeMap(text);
  if (!code || importsOtherLog(text, code)) return undefined;
  const out: { name: string; use: Use }[] = [];
  let line = 1;
  let counted = 0;
  for (const m of text.matchAll(USE_PREFILTER_ALL)) {
    if (!code.isCode(m.index)) continue;
    if (m[0].startsWith('app')) {
      // app('log')->error(...) logs to the default channel (laravel/log-channel-local's); ->channel(...) needs the parser.
      if (/^\s*(?:channel|driver|stack)\b/.test(text.slice(m.index + m[0].length, m.index + m[0].length + 40))) return undefined;
      continue;
    }
    if (!m[0].startsWith('Log::')) return undefined; // logger()->channel()
    let start = m.index;
    const before = text[start - 1] ?? '';
    if (before === '\\') {
      if (/[\w\\]/.test(text[start - 2] ?? '')) return undefined; // Some\Namespace\Log
      start--;
    } else if (/[\w$>:]/.test(before)) return undefined;
    SIMPLE_USE.lastIndex = m.index + 'Log::'.length;
    const simple = SIMPLE_USE.exec(text);
    if (!simple) return undefined;
    const name = simple[2]?.trim();
    if (!name) continue; // Log::channel() / Log::channel(''): no channel named, as channelName() says
    for (; counted < start; counted++) if (text.charCodeAt(counted) === 10) line++;
    out.push({ name, use: { path, start, line } });
  }
  return out;
}

/** What a path or stream argument writes to: a file on this server, the process's own output, or unknown (quiet). */
type Target = { kind: 'file'; text: string } | { kind: 'stream' } | undefined;

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

/** Assignments to plain variables per function (or file) scope, by variable name: built once per scope. */
const assignmentsCache = new WeakMap<object, Map<number, Map<string, SyntaxNode[]>>>();

function assignmentsIn(scope: SyntaxNode): Map<string, SyntaxNode[]> {
  let perTree = assignmentsCache.get(scope.tree);
  if (!perTree) assignmentsCache.set(scope.tree, (perTree = new Map()));
  let byName = perTree.get(scope.id);
  if (byName) return byName;
  byName = new Map();
  for (const a of scope.descendantsOfType('assignment_expression')) {
    const left = a?.childForFieldName('left');
    if (!a || left?.type !== 'variable_name') continue;
    const list = byName.get(left.text) ?? [];
    list.push(a);
    byName.set(left.text, list);
  }
  perTree.set(scope.id, byName);
  return byName;
}

/** The single assignment `$v = expr` to this variable earlier in the enclosing function (else unknown). */
function assignedValue(variable: SyntaxNode): SyntaxNode | undefined {
  const scope = enclosingFunction(variable) ?? variable.tree.rootNode;
  const all = assignmentsIn(scope).get(variable.text) ?? [];
  // Many assignments: which one holds is a guess anyway (and a hostile file must stay linear).
  const found = all.length > 20 ? [] : all.filter((a) => a.startIndex < variable.startIndex);
  // Reassigned in branches: which one holds here is a guess.
  return found.length === 1 ? (found[0].childForFieldName('right') ?? undefined) : undefined;
}

/** config('a.b') with a literal key, resolved through the app's config. */
function configRead(n: SyntaxNode, laravel: LaravelFacts): { key: string; value?: string } | undefined {
  if (n.type !== 'function_call_expression' || !/^\\?config$/.test(n.childForFieldName('function')?.text ?? '')) return undefined;
  const key = stringLiteral(callArgs(n)[0]?.value);
  return key ? { key, value: str(laravel.config.get(key)) } : undefined;
}

function targetOfText(s: string): Target {
  if (PROCESS_STREAM.test(s) || /^php:\/\//.test(s)) return { kind: 'stream' };
  return /[/\\]|\.log$/.test(s) ? { kind: 'file', text: `'${s}'` } : undefined;
}

/** Classifies a handler's path/stream argument; a value it cannot follow stays unknown (never a guess). */
function targetOf(n: SyntaxNode | undefined, laravel: LaravelFacts, depth = 0): Target {
  if (!n || depth > 3) return undefined;
  if (n.type === 'parenthesized_expression') return targetOf(n.namedChildren[0] ?? undefined, laravel, depth);
  const literal = stringLiteral(n);
  if (literal !== undefined) return targetOfText(literal);
  if (n.type === 'encapsed_string') {
    if (/php:\/\//.test(n.text)) return { kind: 'stream' };
    return /\.log\b|logs\//.test(n.text) ? { kind: 'file', text: oneLine(n.text) } : undefined;
  }
  if (n.type === 'name' && /^(?:STDOUT|STDERR)$/.test(n.text)) return { kind: 'stream' };
  if (n.type === 'name' && /^__(?:DIR|FILE)__$/.test(n.text)) return { kind: 'file', text: n.text };
  if (n.type === 'function_call_expression') {
    const fn = n.childForFieldName('function')?.text ?? '';
    if (PATH_HELPERS.test(fn)) return { kind: 'file', text: oneLine(n.text) };
    if (/^\\?fopen$/.test(fn)) return targetOf(callArgs(n)[0]?.value, laravel, depth + 1);
    if (/^\\?dirname$/.test(fn)) return { kind: 'file', text: oneLine(n.text) };
    const read = configRead(n, laravel);
    if (read?.value !== undefined) {
      const t = targetOfText(read.value);
      return t?.kind === 'file' ? { kind: 'file', text: `${oneLine(n.text)} = '${read.value}'` } : t;
    }
    return undefined;
  }
  // Storage::path('logs/x.log') / Storage::disk('local')->path(...): a file when the disk's driver is local.
  if ((n.type === 'scoped_call_expression' || n.type === 'member_call_expression') && n.childForFieldName('name')?.text === 'path') {
    const disk = storageDisk(callTarget(n), laravel);
    return disk && str(laravel.config.get(`filesystems.disks.${disk}.driver`)) === 'local' ? { kind: 'file', text: `${oneLine(n.text)} (disk '${disk}', local driver)` } : undefined;
  }
  if (n.type === 'binary_expression' && n.children.some((c) => c?.type === '.')) {
    const parts = [n.childForFieldName('left'), n.childForFieldName('right')].map((c) => targetOf(c ?? undefined, laravel, depth + 1));
    if (parts.some((p) => p?.kind === 'stream')) return { kind: 'stream' };
    return parts.some((p) => p?.kind === 'file') ? { kind: 'file', text: oneLine(n.text) } : undefined;
  }
  if (n.type === 'variable_name') return targetOf(assignedValue(n), laravel, depth + 1);
  return undefined;
}

/** The arguments of `new X(...)` (tree-sitter-php gives them no field name). */
function creationArgs(creation: SyntaxNode): { name?: string; value: SyntaxNode }[] {
  const args = creation.namedChildren.find((c) => c?.type === 'arguments');
  const out: { name?: string; value: SyntaxNode }[] = [];
  for (const a of args?.namedChildren ?? []) {
    const value = a?.type === 'argument' ? a.namedChildren.at(-1) : undefined;
    if (a && value) out.push({ name: a.childForFieldName('name')?.text, value });
  }
  return out;
}

/** The disk a Storage call goes to: Storage::path() -> the default disk, Storage::disk('x')->path() -> 'x'. */
function storageDisk(target: SyntaxNode | null, laravel: LaravelFacts): string | undefined {
  if (!target) return undefined;
  if (target.type === 'name' || target.type === 'qualified_name') return /(?:^|\\)Storage$/.test(target.text) ? str(laravel.config.get('filesystems.default')) : undefined;
  if (target.type === 'scoped_call_expression' && target.childForFieldName('name')?.text === 'disk' && /(?:^|\\)Storage$/.test(callTarget(target)?.text ?? '')) {
    return stringLiteral(callArgs(target)[0]?.value);
  }
  return undefined;
}

/** The literal keys of an array literal, mapped to their value nodes. */
function arrayLiteral(n: SyntaxNode | undefined): Map<string, SyntaxNode> | undefined {
  if (n?.type !== 'array_creation_expression') return undefined;
  const out = new Map<string, SyntaxNode>();
  for (const el of n.namedChildren) {
    if (el?.type !== 'array_element_initializer' || el.namedChildren.length !== 2) continue;
    const key = stringLiteral(el.namedChildren[0]);
    if (key !== undefined && el.namedChildren[1]) out.set(key, el.namedChildren[1]);
  }
  return out;
}

function isLogFacade(scope: SyntaxNode | null, imports: FileImports): boolean {
  if (!scope || (scope.type !== 'name' && scope.type !== 'qualified_name')) return false;
  if (scope.text === '\\Log') return true;
  const cls = resolveClassName(scope.text, imports);
  return LOG_FACADE.test(cls) || (scope.text === 'Log' && cls.endsWith('\\Log') && !imports.classes.has('Log'));
}

/** logger(), app('log'): the log manager by helper. */
function isLogHelper(n: SyntaxNode | null): boolean {
  if (n?.type !== 'function_call_expression') return false;
  const fn = n.childForFieldName('function')?.text ?? '';
  const args = callArgs(n);
  if (/^\\?logger$/.test(fn)) return args.length === 0;
  return /^\\?(?:app|resolve)$/.test(fn) && args.length === 1 && stringLiteral(args[0].value) === 'log';
}

/** A channel name as written (literal, config('...') read, or a variable holding one); undefined when not known. */
function channelName(n: SyntaxNode | undefined, laravel: LaravelFacts, depth = 0): string | undefined {
  if (!n || depth > 2) return undefined;
  const literal = stringLiteral(n);
  if (literal !== undefined) return literal.trim() || undefined;
  const read = configRead(n, laravel);
  // config('logging.default') follows the default channel: laravel/log-channel-local's finding.
  if (read) return read.key === 'logging.default' ? undefined : read.value;
  if (n.type === 'variable_name') return channelName(assignedValue(n), laravel, depth + 1);
  return undefined;
}

/** Explicit channel uses in a file: the call and the channel names it writes to. */
function channelUses(file: SourceFile<SyntaxNode>, laravel: LaravelFacts): { call: SyntaxNode; names: string[] }[] {
  const imports = fileImports(file.root);
  const out: { call: SyntaxNode; names: string[] }[] = [];
  for (const node of file.nodesAt(/\b(?:channel|driver|stack)\s*\(/)) {
    const call = node.parent;
    if (node.type !== 'name' || !call || !CALLS.has(call.type) || call.childForFieldName('name')?.id !== node.id || !CHANNEL_METHODS.has(node.text)) continue;
    const target = callTarget(call);
    const viaFacade = call.type === 'scoped_call_expression' && isLogFacade(target, imports);
    if (!viaFacade && !(call.type !== 'scoped_call_expression' && isLogHelper(target))) continue;
    const arg = callArgs(call)[0]?.value;
    const names =
      node.text === 'stack'
        ? (arg?.type === 'array_creation_expression' ? arg.namedChildren.map((e) => channelName(e?.namedChildren.at(-1) ?? undefined, laravel)) : [])
        : [channelName(arg, laravel)];
    const known = names.filter((x): x is string => !!x);
    if (known.length) out.push({ call, names: [...new Set(known)] });
  }
  return out;
}

function leavesOf(laravel: LaravelFacts, name: string): LocalLeaf[] {
  const channel = laravel.config.get(`logging.channels.${name}`);
  return channel ? localLeaves(laravel, name, channel) : [];
}

function relatedFor(leaves: LocalLeaf[]): RelatedLocation[] {
  const out: RelatedLocation[] = [];
  for (const leaf of leaves) {
    const v = leaf.decidedBy;
    if (!v || v.origin.file.startsWith('(') || out.some((r) => r.file === v.origin.file && r.line === v.origin.line)) continue;
    out.push({ file: v.origin.file, line: v.origin.line, message: `channel '${leaf.channel}': a ${leaf.target} (${v.origin.note})` });
  }
  return out;
}

const REMEDIATION_HANDLER =
  "Write to php://stderr (new StreamHandler('php://stderr')) and let the platform collect it, or log through a channel " +
  'that ships records off the server (stderr, syslog, errorlog, papertrail, a cloud handler), so every node\'s records end up in one place.';

export default defineRule<SyntaxNode>({
  meta: {
    id: 'laravel/log-to-local-file',
    ecosystem: 'laravel',
    category: 'logs',
    severity: 'warning',
    summary: 'Code that logs to a file on the server: Monolog StreamHandler/RotatingFileHandler on a path, Log::build() with a file driver, or an explicit Log::channel() whose channel writes files',
    why:
      'Besides the default channel, apps log ad hoc: a Monolog handler on storage_path(...), an on-demand Log::build([...]) ' +
      "channel, or Log::channel('import') for a channel config/logging.php points at a file. Each node then keeps its " +
      'own file: records of one user or job are spread over servers, vanish with the server, and fill its disk. Changing ' +
      'LOG_CHANNEL does not move them.',
    remediation:
      "Point the channel at a shared destination in config/logging.php (stderr, syslog, errorlog, papertrail or a cloud handler), " +
      "or write to php://stderr in ad-hoc handlers (new StreamHandler('php://stderr')).",
    examples: {
      bad: "$log = new Logger('import');\n$log->pushHandler(new StreamHandler(storage_path('logs/import.log')));",
      good: "$log = new Logger('import');\n$log->pushHandler(new StreamHandler('php://stderr'));",
    },
    fixable: false,
  },

  index: {
    files: { languages: ['php'], prefilter: USE_PREFILTER, include: (path, facts) => isAppCode(path, facts) },
    init: (): UseIndex => ({ uses: new Map(), firstPaths: new Set() }),
    // Most files name a channel the plain way (firefly-iii: 199 uses of Log::channel('audit') in 169 files):
    // those are indexed from their text, and only the others are parsed.
    select(files, index: UseIndex) {
      const parse = new Set<string>();
      for (const f of files) {
        const found = textUses(f.path, f.text);
        if (!found) parse.add(f.path);
        else for (const { name, use } of found) addUse(index, name, use);
      }
      return parse;
    },
    collect({ facts, file, index }) {
      const laravel = laravelOf(facts);
      if (!laravel) return;
      for (const { call, names } of channelUses(file as SourceFile<SyntaxNode>, laravel)) {
        for (const name of names) addUse(index as UseIndex, name, { path: file.path, start: call.startIndex, line: call.startPosition.row + 1 });
      }
    },
    finish(index: UseIndex, facts) {
      const laravel = laravelOf(facts);
      for (const [name, list] of index.uses) {
        list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.start - b.start));
        if (laravel && leavesOf(laravel, name).length) index.firstPaths.add(list[0].path);
      }
    },
    // A channel's later uses are counted and listed at its first: their files need no parse for this rule.
    wants: (file, index: UseIndex) => ADHOC_PREFILTER.test(file.text) || index.firstPaths.has(file.path),
  },

  files: {
    languages: ['php'],
    prefilter: /StreamHandler|RotatingFileHandler|Log::build\s*\(|\bLog::(?:channel|driver|stack)\s*\(|logger\(\)\s*->\s*(?:channel|driver|stack)\s*\(|app\(\s*['"]log['"]\s*\)\s*->/,
    include: (path: string, facts: ProjectFacts) => isAppCode(path, facts),
  },

  checkFile({ facts, file, report, index }) {
    const laravel = laravelOf(facts);
    if (!laravel) return;
    const imports = fileImports(file.root);
    const seen = new Set<number>();

    // new StreamHandler(path) / new RotatingFileHandler(path), also inside new Logger(..., [handlers]) and pushHandler().
    for (const node of file.nodesAt(/\b(?:StreamHandler|RotatingFileHandler)\b/)) {
      const creation = node.parent?.type === 'object_creation_expression' ? node.parent : node.parent?.parent?.type === 'object_creation_expression' ? node.parent.parent : undefined;
      const cls = creation?.namedChildren.find((c) => c?.type === 'name' || c?.type === 'qualified_name');
      if (!creation || !cls || seen.has(creation.id) || !MONOLOG_FILE_HANDLER.test(resolveClassName(cls.text, imports))) continue;
      const list = creationArgs(creation);
      const arg = list.find((a) => a.name === 'stream' || a.name === 'filename') ?? list.find((a) => !a.name);
      const target = targetOf(arg?.value, laravel);
      if (target?.kind !== 'file') continue;
      seen.add(creation.id);
      const handler = cls.text.split('\\').pop();
      report({ node: creation, message: `Monolog ${handler} writes log records to ${target.text}: a file on the server that runs this code, not shared with the other nodes.`, remediation: REMEDIATION_HANDLER });
    }

    // Log::build([...]): an on-demand channel with a file driver.
    for (const node of file.nodesAt(/\bbuild\s*\(/)) {
      const call = node.parent;
      if (node.type !== 'name' || call?.type !== 'scoped_call_expression' || call.childForFieldName('name')?.id !== node.id || !isLogFacade(callTarget(call), imports)) continue;
      const spec = arrayLiteral(callArgs(call)[0]?.value);
      const driver = stringLiteral(spec?.get('driver'));
      let target: Target;
      if (driver === 'single' || driver === 'daily') target = targetOf(spec?.get('path'), laravel);
      else if (driver === 'monolog') {
        const handler = spec?.get('handler');
        // new StreamHandler(...) as the handler is reported above, at the handler.
        const handlerClass = handler?.type === 'class_constant_access_expression' ? resolveClassName(handler.namedChildren[0]?.text ?? '', imports) : '';
        const w = arrayLiteral(spec?.get('with') ?? spec?.get('handler_with'));
        target = FILE_HANDLERS.test(handlerClass) ? targetOf(w?.get('stream') ?? w?.get('filename'), laravel) : undefined;
      }
      if (target?.kind !== 'file' || seen.has(call.id)) continue;
      seen.add(call.id);
      report({ node: call, message: `Log::build() makes an on-demand ${driver} channel writing to ${target.text}: a file on the server that runs this code, not shared with the other nodes.`, remediation: REMEDIATION_HANDLER });
    }

    // Log::channel('x') / Log::stack([...]) where x writes files: one finding per channel, at its first use in the app.
    const uses = (index as UseIndex | undefined)?.uses;
    for (const { call, names } of channelUses(file, laravel)) {
      const firstHere = names.filter((n) => {
        const first = uses?.get(n)?.[0];
        return !uses || (first?.path === file.path && first.start === call.startIndex);
      });
      const local = firstHere.map((n) => ({ name: n, leaves: leavesOf(laravel, n) })).filter((x) => x.leaves.length);
      if (!local.length) continue;
      const parts = local.map(({ name, leaves }) => {
        const count = uses?.get(name)?.length ?? 1;
        const direct = leaves.length === 1 && leaves[0].channel === name;
        const via = direct ? `is a ${leaves[0].target}` : `stacks ${leaves.map((l) => `'${l.channel}' (a ${l.target})`).join(', ')}`;
        return `channel '${name}' ${via}${count > 1 ? `; ${count} uses in the app, the first here` : ''}`;
      });
      const others: RelatedLocation[] = local.flatMap(({ name }) =>
        (uses?.get(name) ?? []).slice(1, 4).map((u) => ({ file: u.path, line: u.line, message: `also logs to channel '${name}'` })),
      );
      const names0 = local.map((l) => `'${l.name}'`).join(', ');
      report({
        node: call,
        message: `Logs written here stay on this server: ${parts.join('; ')}.`,
        related: [...relatedFor(local.flatMap((l) => l.leaves)), ...others],
        remediation: `Point channel ${names0} at a shared destination in config/logging.php (stderr, syslog, errorlog, papertrail or a cloud handler), or log these records to such a channel here: a file channel keeps each node's records on that node.`,
      });
    }
  },
});
