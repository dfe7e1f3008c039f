import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
import type { Fix } from '../../../src/engine/finding.js';
import type { SyntaxNode } from '../../../src/lang/php.js';
import { scheduleLockStore } from './config.js';
import { envVarOf, isSharedCacheStore } from './config-keys.js';

const MEMBER_CALLS = new Set(['member_call_expression', 'nullsafe_member_call_expression']);

/** The outermost call of the chain that starts at `call` (`$schedule->command()->daily()` from `command()`). */
export function chainEnd(call: SyntaxNode): SyntaxNode {
  let cur = call;
  while (cur.parent && MEMBER_CALLS.has(cur.parent.type) && cur.parent.childForFieldName('object')?.id === cur.id) cur = cur.parent;
  return cur;
}

/**
 * The text that chains `->onOneServer()` after `expr`, in the chain's layout: when the call chained onto
 * `expr` (or `expr`'s own last call) starts its line with `->`, a new line with that indentation; else inline.
 */
function chained(text: string, arrowAt: number | undefined): string {
  if (arrowAt === undefined) return '->onOneServer()';
  const lineStart = text.lastIndexOf('\n', arrowAt - 1) + 1;
  const indent = text.slice(lineStart, arrowAt);
  if (!/^[ \t]*$/.test(indent)) return '->onOneServer()';
  const eol = text[lineStart - 2] === '\r' ? '\r\n' : '\n';
  return `${eol}${indent}->onOneServer()`;
}

/** Offset of the `->` token of a member call. */
function arrowOf(call: SyntaxNode, span: (n: SyntaxNode) => readonly [number, number]): number | undefined {
  if (!MEMBER_CALLS.has(call.type)) return undefined;
  const arrow = call.children.find((c) => c?.type === '->' || c?.type === '?->');
  return arrow ? span(arrow)[0] : undefined;
}

/**
 * Where ->onOneServer() goes: after the task's whole chain, or, for a task held by a `->group()`,
 * just before `->group(` so it covers the group (Laravel passes the group's attributes to each task).
 */
export function onOneServerEdit(
  file: { path: string; text: string; span(n: SyntaxNode): readonly [number, number] },
  task: { call: SyntaxNode; group?: SyntaxNode },
): { range: [number, number]; text: string } {
  if (task.group) {
    const head = task.group.childForFieldName('object')!;
    const at = file.span(head)[1];
    return { range: [at, at], text: chained(file.text, arrowOf(task.group, file.span)) };
  }
  const end = chainEnd(task.call);
  const at = file.span(end)[1];
  return { range: [at, at], text: chained(file.text, arrowOf(end, file.span)) };
}

/** Safe when the lock store is shared; otherwise unsafe, saying which env var to point at a shared store. */
export function onOneServerFix(laravel: LaravelFacts | undefined, file: string, edit: { range: [number, number]; text: string }): Fix {
  const edits = [{ file, ...edit }];
  const lock = laravel ? scheduleLockStore(laravel) : {};
  if (laravel && isSharedCacheStore(laravel, lock.name)) return { title: 'add ->onOneServer()', applicability: 'safe', edits };
  const envVar = envVarOf(lock.decidedBy) ?? ((laravel?.major ?? 0) >= 11 ? 'CACHE_STORE' : 'CACHE_DRIVER');
  const today = lock.name ? `the lock store is '${lock.name}' today` : 'the lock store is not known';
  return { title: `add ->onOneServer() (its lock needs a shared cache: set ${envVar}=redis, ${today})`, applicability: 'unsafe', edits };
}
