import type { SyntaxNode } from '../../../src/lang/php.js';
import { callArgs, enclosingFunction, fileImports, parameters, resolveClassName, stringLiteral, type FileImports } from '../../../src/lang/php.js';

const SCHEDULE_CLASS = 'Illuminate\\Console\\Scheduling\\Schedule';
const SCHEDULE_FACADE = 'Illuminate\\Support\\Facades\\Schedule';
const MEMBER_CALLS = new Set(['member_call_expression', 'nullsafe_member_call_expression']);
export const TASK_METHODS = new Set(['command', 'job', 'call', 'exec']);
export const LOCK_METHODS = new Set(['onOneServer', 'withoutOverlapping']);

export interface ScheduledTask {
  /** The `command(`/`job(`/... call that creates the event. */
  call: SyntaxNode;
  /** Its method-name node (where findings point). */
  nameNode: SyntaxNode;
  method: string;
  /** What is scheduled, for messages: "'emails:send'", "SendReports job", "a closure". */
  label: string;
  /** Methods chained on the event, in order. */
  chain: { name: string; node: SyntaxNode }[];
  /** onOneServer() applies through an enclosing Schedule::...->onOneServer()->group(...). */
  coveredByGroup: boolean;
  /** The innermost scheduler `->group(...)` call whose closure holds the task, if any. */
  group?: SyntaxNode;
}

/**
 * Is this expression the scheduler? `Schedule::` when it is the facade (imported, or the global alias
 * in a file without a namespace) — an Eloquent model called Schedule is not — or a variable declared
 * as a `Schedule $schedule` parameter of the enclosing function.
 */
function isSchedulerTarget(target: SyntaxNode | null, call: SyntaxNode, imports: FileImports): boolean {
  if (!target) return false;
  if (call.type === 'scoped_call_expression') {
    const written = target.text;
    const fq = resolveClassName(written, imports);
    if (fq === SCHEDULE_FACADE) return true;
    return written === 'Schedule' && !imports.classes.has('Schedule') && !imports.namespace;
  }
  if (target.type !== 'variable_name') return false;
  for (let fn = enclosingFunction(call); fn; fn = enclosingFunction(fn)) {
    const param = parameters(fn).find((p) => p.name === target.text);
    if (param) {
      if (!param.type) return false;
      const fq = resolveClassName(param.type.replace(/^\?/, ''), imports);
      return fq === SCHEDULE_CLASS || (param.type === 'Schedule' && !imports.classes.has('Schedule'));
    }
    if (fn.type !== 'arrow_function' && fn.type !== 'anonymous_function') break;
    // closures see outer variables only through `use ($schedule)`; arrow functions capture them
    if (fn.type === 'anonymous_function' && !new RegExp(`use\\s*\\([^)]*\\${target.text}\\b`).test(fn.text.slice(0, fn.text.indexOf('{')))) break;
  }
  return false;
}

/** The calls chained after `call` (`->daily()->onOneServer()`), walking up the member-call parents. */
export function chainAfter(call: SyntaxNode): { name: string; node: SyntaxNode }[] {
  const out: { name: string; node: SyntaxNode }[] = [];
  let cur = call;
  while (cur.parent && MEMBER_CALLS.has(cur.parent.type) && cur.parent.childForFieldName('object')?.id === cur.id) {
    cur = cur.parent;
    const name = cur.childForFieldName('name');
    if (name) out.push({ name: name.text, node: name });
  }
  return out;
}

/** Calls chained *before* `call` up to the scheduler root (`Schedule::daily()->onOneServer()->group(...)`). */
function chainBefore(call: SyntaxNode): { root: SyntaxNode; names: string[] } {
  const names: string[] = [];
  let cur: SyntaxNode = call;
  for (;;) {
    const name = cur.childForFieldName('name')?.text;
    if (name) names.unshift(name);
    const obj = cur.type === 'scoped_call_expression' ? null : cur.childForFieldName('object');
    if (obj && (MEMBER_CALLS.has(obj.type) || obj.type === 'scoped_call_expression')) cur = obj;
    else return { root: cur, names };
  }
}

/** What is scheduled, for messages: "command 'emails:send'", "job RunCommandJob('koel:scan')", "closure". */
function describe(method: string, call: SyntaxNode): string {
  const first = callArgs(call)[0]?.value;
  const literal = stringLiteral(first);
  const short = (text: string) => text.replace(/\s+/g, ' ').slice(0, 60);
  if (method === 'command') return literal !== undefined ? `command '${literal}'` : `command ${short(first?.text ?? '')}`.trim();
  if (method === 'exec') return literal !== undefined ? `shell command '${literal}'` : 'shell command';
  if (method === 'job') {
    if (first?.type === 'object_creation_expression') return `job ${short(first.text.replace(/^new\s+/, ''))}`;
    if (first?.type === 'class_constant_access_expression') return `job ${first.namedChildren[0]?.text ?? first.text}`;
    return literal !== undefined ? `job ${literal}` : 'job';
  }
  if (first?.type === 'anonymous_function' || first?.type === 'arrow_function') return 'closure';
  return first ? `callback ${short(first.text)}` : 'callback';
}

/** Every task scheduled in a file, with the chain that configures it. */
export function scheduledTasks(root: SyntaxNode, anchors: SyntaxNode[]): ScheduledTask[] {
  const imports = fileImports(root);
  const tasks: ScheduledTask[] = [];
  const seen = new Set<number>();
  for (const nameNode of anchors) {
    const call = nameNode.parent;
    if (!call || seen.has(call.id) || call.childForFieldName('name')?.id !== nameNode.id) continue;
    if (!MEMBER_CALLS.has(call.type) && call.type !== 'scoped_call_expression') continue;
    const method = nameNode.text;
    if (!TASK_METHODS.has(method)) continue;
    const target = call.type === 'scoped_call_expression' ? call.childForFieldName('scope') : call.childForFieldName('object');
    if (!isSchedulerTarget(target, call, imports)) continue;
    seen.add(call.id);
    const groups = schedulerGroups(call, imports);
    tasks.push({
      call,
      nameNode,
      method,
      label: describe(method, call),
      chain: chainAfter(call),
      coveredByGroup: groups.some((g) => g.names.includes('onOneServer')),
      group: groups[0]?.call,
    });
  }
  return tasks;
}

/** The scheduler `->group()` calls whose closures hold the task, innermost first, with the calls chained before each. */
function schedulerGroups(call: SyntaxNode, imports: FileImports): { call: SyntaxNode; names: string[] }[] {
  const out: { call: SyntaxNode; names: string[] }[] = [];
  for (let fn = enclosingFunction(call); fn; fn = enclosingFunction(fn)) {
    const groupCall = fn.parent?.parent?.parent; // closure -> argument -> arguments -> call
    if (!groupCall || groupCall.childForFieldName('name')?.text !== 'group') continue;
    const { root, names } = chainBefore(groupCall);
    const target = root.type === 'scoped_call_expression' ? root.childForFieldName('scope') : root.childForFieldName('object');
    if (isSchedulerTarget(target, root, imports)) out.push({ call: groupCall, names });
  }
  return out;
}

/** onOneServer()/withoutOverlapping() calls on scheduler chains (tasks and groups). */
export function lockCalls(root: SyntaxNode, anchors: SyntaxNode[]): SyntaxNode[] {
  const imports = fileImports(root);
  const out: SyntaxNode[] = [];
  for (const nameNode of anchors) {
    const call = nameNode.parent;
    if (!call || !MEMBER_CALLS.has(call.type) || call.childForFieldName('name')?.id !== nameNode.id || !LOCK_METHODS.has(nameNode.text)) continue;
    const { root: first } = chainBefore(call);
    const target = first.type === 'scoped_call_expression' ? first.childForFieldName('scope') : first.childForFieldName('object');
    if (isSchedulerTarget(target, first, imports)) out.push(nameNode);
  }
  return out;
}

/** `$schedule->useCache('redis')` / `Schedule::useCache('redis')` in the file: the store the locks use. */
export function useCacheStore(anchors: SyntaxNode[]): string | undefined {
  for (const nameNode of anchors) {
    const call = nameNode.parent;
    if (nameNode.text === 'useCache' && call) return stringLiteral(callArgs(call)[0]?.value);
  }
  return undefined;
}
