import type { SyntaxNode } from '../../../src/lang/php.js';
import { callArgs, callTarget, closest, enclosingFunction, fileImports, parameters, resolveClassName, stringLiteral, type FileImports } from '../../../src/lang/php.js';

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
  if (target.type === 'member_access_expression' && target.childForFieldName('object')?.text === '$this') {
    const prop = target.childForFieldName('name')?.text;
    const cls = closest(call, 'class_declaration');
    return !!prop && !!cls && schedulerProperties(cls, imports).has(prop);
  }
  if (target.type !== 'variable_name') return false;
  for (let fn = enclosingFunction(call); fn; fn = enclosingFunction(fn)) {
    const param = parameters(fn).find((p) => p.name === target.text);
    if (param) {
      if (!param.type) return untypedSchedulerParam(fn, param.name, imports);
      return isScheduleType(param.type, imports);
    }
    if (fn.type !== 'arrow_function' && fn.type !== 'anonymous_function') break;
    // closures see outer variables only through `use ($schedule)`; arrow functions capture them
    if (fn.type === 'anonymous_function' && !new RegExp(`use\\s*\\([^)]*\\${target.text}\\b`).test(fn.text.slice(0, fn.text.indexOf('{')))) break;
  }
  return false;
}

function isScheduleType(type: string, imports: FileImports): boolean {
  const t = type.replace(/^\?/, '');
  const fq = resolveClassName(t, imports);
  return fq === SCHEDULE_CLASS || (t === 'Schedule' && !imports.classes.has('Schedule'));
}

/**
 * An untyped parameter that receives the scheduler: the closure given to `->withSchedule(function ($schedule) {...})`
 * (bootstrap/app.php, Laravel 11+), or a helper method of the class that `schedule()` (or another helper) calls
 * as `$this->helper($schedule)` (the argument at the same position is the scheduler).
 */
function untypedSchedulerParam(fn: SyntaxNode, name: string, imports: FileImports, depth = 0): boolean {
  if (depth > 4) return false;
  const index = parameters(fn).findIndex((p) => p.name === name);
  if (fn.type === 'anonymous_function' || fn.type === 'arrow_function') {
    const call = fn.parent?.parent?.parent; // closure -> argument -> arguments -> call
    return index === 0 && !!call && call.childForFieldName('name')?.text === 'withSchedule';
  }
  if (fn.type !== 'method_declaration') return false;
  const method = fn.childForFieldName('name')?.text;
  const cls = closest(fn, 'class_declaration');
  if (!method || !cls) return false;
  for (const call of cls.descendantsOfType(['member_call_expression', 'scoped_call_expression'])) {
    if (!call || call.childForFieldName('name')?.text !== method) continue;
    const on = callTarget(call)?.text;
    if (on !== '$this' && on !== 'self' && on !== 'static') continue;
    const arg = callArgs(call)[index]?.value;
    if (!arg || arg.type !== 'variable_name') continue;
    const caller = enclosingFunction(call);
    const param = caller && parameters(caller).find((p) => p.name === arg.text);
    if (!caller || !param) continue;
    if (param.type ? isScheduleType(param.type, imports) : untypedSchedulerParam(caller, param.name, imports, depth + 1)) return true;
  }
  return false;
}

const propertyCache = new WeakMap<object, Map<number, Set<string>>>();

/**
 * Properties of a class that hold the scheduler: declared `Schedule $x` (also promoted constructor parameters),
 * or assigned a scheduler variable (`$this->scheduleInstance = $schedule;`), as in an app's own wrapper class.
 */
function schedulerProperties(cls: SyntaxNode, imports: FileImports): Set<string> {
  let perTree = propertyCache.get(cls.tree);
  if (!perTree) propertyCache.set(cls.tree, (perTree = new Map()));
  const cached = perTree.get(cls.id);
  if (cached) return cached;
  const out = new Set<string>();
  perTree.set(cls.id, out);
  for (const decl of cls.descendantsOfType(['property_declaration', 'property_promotion_parameter'])) {
    if (!decl) continue;
    const type = decl.childForFieldName('type')?.text;
    if (!type || !isScheduleType(type, imports)) continue;
    for (const v of decl.descendantsOfType('variable_name')) if (v) out.add(v.text.replace(/^\$/, ''));
  }
  for (const assign of cls.descendantsOfType('assignment_expression')) {
    const left = assign?.childForFieldName('left');
    const right = assign?.childForFieldName('right');
    if (!assign || !left || !right || left.type !== 'member_access_expression' || left.childForFieldName('object')?.text !== '$this') continue;
    const prop = left.childForFieldName('name')?.text;
    if (!prop || out.has(prop) || right.type !== 'variable_name') continue;
    const fn = enclosingFunction(assign);
    const param = fn && parameters(fn).find((p) => p.name === right.text);
    if (fn && param && (param.type ? isScheduleType(param.type, imports) : untypedSchedulerParam(fn, param.name, imports))) out.add(prop);
  }
  return out;
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
    const sites = wrapperCallSites(call);
    if (sites.length) {
      // A helper that returns the event (`return $this->schedule->command($name);`): each call site is a task.
      const inner = chainAfter(call);
      for (const site of sites) {
        const siteName = site.childForFieldName('name')!;
        const literal = stringLiteral(callArgs(site)[0]?.value);
        tasks.push({
          call: site,
          nameNode: siteName,
          method,
          label: literal !== undefined ? `${method === 'exec' ? 'shell command' : method} '${literal}' (through ${siteName.text}())` : `${describe(method, call)} (through ${siteName.text}())`,
          chain: [...inner, ...chainAfter(site)],
          coveredByGroup: groups.some((g) => g.names.includes('onOneServer')) || schedulerGroups(site, imports).some((g) => g.names.includes('onOneServer')),
          group: schedulerGroups(site, imports)[0]?.call,
        });
      }
      continue;
    }
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

/**
 * When the task's chain is what a method of the class returns (`return $this->schedule->command($c)->daily();`),
 * the calls of that method in the class (`$this->task('x')->onOneServer()`): the tasks are registered there.
 */
function wrapperCallSites(call: SyntaxNode): SyntaxNode[] {
  const end = chainEndOf(call);
  if (end.parent?.type !== 'return_statement') return [];
  const fn = enclosingFunction(end);
  const method = fn?.type === 'method_declaration' ? fn.childForFieldName('name')?.text : undefined;
  const cls = fn && closest(fn, 'class_declaration');
  if (!method || !cls) return [];
  return cls.descendantsOfType(['member_call_expression', 'scoped_call_expression']).filter((c): c is SyntaxNode => {
    if (!c || c.childForFieldName('name')?.text !== method) return false;
    const on = callTarget(c)?.text;
    return on === '$this' || on === 'self' || on === 'static';
  });
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

/**
 * onOneServer()/withoutOverlapping() calls on scheduler chains (tasks and groups), at most one per chain, so that
 * each task gets one finding between schedule-missing-one-server and schedule-lock-local (issue 9: the worse of the
 * two, and a task with a per-server lock never gets more findings than the same task without one):
 * - a chain with ->onOneServer() (task or group head): that call only (its ->withoutOverlapping() adds nothing);
 * - a task without onOneServer(), with ->withoutOverlapping(): nothing here; the task runs on every server anyway
 *   and schedule-missing-one-server reports it (or leaves it alone as per-server housekeeping, where a per-server
 *   overlap lock is right);
 * - a task inside a `->onOneServer()->group()`: the group's call is the one reported.
 */
export function lockCalls(root: SyntaxNode, anchors: SyntaxNode[]): SyntaxNode[] {
  const imports = fileImports(root);
  const out: SyntaxNode[] = [];
  const chains = new Set<number>();
  for (const nameNode of anchors) {
    const call = nameNode.parent;
    if (!call || !MEMBER_CALLS.has(call.type) || call.childForFieldName('name')?.id !== nameNode.id || !LOCK_METHODS.has(nameNode.text)) continue;
    const { root: first } = chainBefore(call);
    const target = first.type === 'scoped_call_expression' ? first.childForFieldName('scope') : first.childForFieldName('object');
    if (!isSchedulerTarget(target, first, imports)) continue;
    const end = chainEndOf(call);
    const names = chainBefore(end).names;
    if (!names.includes('onOneServer')) continue;
    if (nameNode.text !== 'onOneServer' || chains.has(end.id)) continue;
    chains.add(end.id);
    out.push(nameNode);
  }
  return out;
}

function chainEndOf(call: SyntaxNode): SyntaxNode {
  let cur = call;
  while (cur.parent && MEMBER_CALLS.has(cur.parent.type) && cur.parent.childForFieldName('object')?.id === cur.id) cur = cur.parent;
  return cur;
}

/** `$schedule->useCache('redis')` / `Schedule::useCache('redis')` in the file: the store the locks use. */
export function useCacheStore(anchors: SyntaxNode[]): string | undefined {
  for (const nameNode of anchors) {
    const call = nameNode.parent;
    if (nameNode.text === 'useCache' && call) return stringLiteral(callArgs(call)[0]?.value);
  }
  return undefined;
}
