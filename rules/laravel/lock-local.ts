import { laravelOf, type LaravelFacts } from '../../src/ecosystems/laravel/facts.js';
import type { RelatedLocation } from '../../src/engine/finding.js';
import { defineRule } from '../../src/engine/rule.js';
import type { Val } from '../../src/engine/values.js';
import type { SyntaxNode } from '../../src/lang/php.js';
import { callArgs, callTarget, closest, fileImports, resolveClassName, stringLiteral, type FileImports } from '../../src/lang/php.js';
import { cacheStoreDriver, LOCAL_CACHE_DRIVERS, str } from './support/config.js';
import { isAppCode } from './support/paths.js';

const ANCHORS = /\b(?:lock|add|RateLimiter|throttle:|ThrottleRequests|throttleApi|throttleWithRedis)\b/;
const THROTTLE_MIDDLEWARE = 'Illuminate\\Routing\\Middleware\\ThrottleRequests';
const RATE_LIMITER = /^Illuminate\\(?:Cache\\RateLimiter|Support\\Facades\\RateLimiter)$/;
const CALLS = new Set(['member_call_expression', 'nullsafe_member_call_expression', 'scoped_call_expression']);
/** RateLimiter methods that count or check attempts (`for` only defines a named limiter). */
const LIMITER_USES = new Set(['attempt', 'hit', 'increment', 'decrement', 'tooManyAttempts', 'attempts', 'remaining', 'retriesLeft', 'availableIn', 'clear', 'resetAttempts']);

interface Store {
  name: string;
  driver: string;
  related: RelatedLocation[];
}

/** The store `name` (or the default store) when its driver keeps locks on one server. */
function localStore(laravel: LaravelFacts, name: string | undefined, why: string): Store | undefined {
  const chosen: Val | undefined = name === undefined ? laravel.config.get('cache.default') : undefined;
  const store = name ?? str(chosen);
  if (!store) return undefined;
  const driverVal = cacheStoreDriver(laravel, store);
  const driver = str(driverVal);
  if (!driver || !LOCAL_CACHE_DRIVERS.has(driver)) return undefined;
  const related: RelatedLocation[] = [];
  if (chosen && !chosen.origin.file.startsWith('(')) related.push({ file: chosen.origin.file, line: chosen.origin.line, message: `${why} is the default cache store '${store}' (${chosen.origin.note})` });
  if (driverVal && !driverVal.origin.file.startsWith('(') && !related.some((r) => r.file === driverVal.origin.file && r.line === driverVal.origin.line)) {
    related.push({ file: driverVal.origin.file, line: driverVal.origin.line, message: `store '${store}' has driver '${driver}'` });
  }
  return { name: store, driver, related };
}

/** The store the rate limiter (RateLimiter, throttle middleware) uses: cache.limiter when set, else the default store. */
function limiterStore(laravel: LaravelFacts): Store | undefined {
  const limiter = laravel.config.get('cache.limiter');
  const name = str(limiter);
  if (limiter && limiter.t === 'unknown') return undefined;
  const found = localStore(laravel, name, 'the rate limiter store');
  if (found && name && limiter && !limiter.origin.file.startsWith('(')) found.related.unshift({ file: limiter.origin.file, line: limiter.origin.line, message: `the rate limiter uses store '${name}' (cache.limiter)` });
  return found;
}

/**
 * The store a cache call goes to: `Cache::lock()` / `cache()->lock()` -> default (undefined),
 * `Cache::store('x')->lock()` -> 'x', anything else (unknown store name, not the cache) -> null.
 */
function cacheStoreOf(target: SyntaxNode | null, call: SyntaxNode, imports: FileImports): string | undefined | null {
  if (!target) return null;
  if (call.type === 'scoped_call_expression') return /(^|\\)Cache$/.test(resolveClassName(target.text, imports)) ? undefined : null;
  if (target.type === 'function_call_expression' && target.childForFieldName('function')?.text === 'cache' && callArgs(target).length === 0) return undefined;
  if (CALLS.has(target.type) && target.childForFieldName('name')?.text === 'store') {
    const inner = callTarget(target);
    const viaCache = target.type === 'scoped_call_expression' ? /(^|\\)Cache$/.test(resolveClassName(inner?.text ?? '', imports)) : inner?.type === 'function_call_expression' && inner.childForFieldName('function')?.text === 'cache';
    if (!viaCache) return null;
    const arg = callArgs(target)[0]?.value;
    if (!arg) return undefined;
    return stringLiteral(arg) ?? null;
  }
  return null;
}

/** Is the value of this call tested (`if (! Cache::add(...))`, `while`, `?:`, `&&`): a hand-made mutex? */
function resultTested(call: SyntaxNode): boolean {
  let cur = call;
  for (let p = call.parent; p; cur = p, p = p.parent) {
    if (p.type === 'unary_op_expression' || p.type === 'parenthesized_expression' || p.type === 'binary_expression') continue;
    if (p.type === 'if_statement' || p.type === 'while_statement' || p.type === 'do_statement') return p.childForFieldName('condition')?.id === cur.id || cur.type === 'parenthesized_expression';
    if (p.type === 'conditional_expression') return p.childForFieldName('condition')?.id === cur.id;
    if (p.type === 'return_statement') return false;
    return false;
  }
  return false;
}

export default defineRule({
  meta: {
    id: 'laravel/lock-local',
    ecosystem: 'laravel',
    category: 'rate-limit',
    severity: 'warning',
    summary: 'Atomic locks, rate limiters or throttle middleware on a cache store that each server keeps for itself',
    why:
      'Cache::lock(), Cache::add() used as a mutex, RateLimiter and the throttle middleware keep their state in a cache ' +
      'store. With the file, array or apc driver each node has its own: a lock taken on one node does not stop the same ' +
      'work on another, and a limit of 5 login attempts becomes 5 per node (and resets when the load balancer switches ' +
      'node). Nothing errors; the protection silently stops holding once there is a second server.',
    remediation:
      'Keep locks and limits in a shared store: CACHE_STORE=redis (CACHE_DRIVER before Laravel 11), or memcached/dynamodb/' +
      "database on a shared server; or name one for this call (Cache::store('redis')->lock(...)), or for the rate " +
      'limiter (cache.limiter, or the ThrottleRequestsWithRedis middleware).',
    examples: {
      bad: "# .env\nCACHE_STORE=file\n// app/Http/Controllers/OrderController.php\nCache::lock('order:'.$id, 10)->block(5, fn () => $this->charge($id));",
      good: "Cache::store('redis')->lock('order:'.$id, 10)->block(5, fn () => $this->charge($id));",
    },
    fixable: false,
  },

  files: {
    languages: ['php'],
    prefilter: /->\s*lock\s*\(|Cache::add|cache\(\)\s*->\s*add\s*\(|Cache::store\(.*->\s*add\s*\(|RateLimiter|throttle:|ThrottleRequests|throttleApi/,
    include: (path, facts) => isAppCode(path, facts),
  },
  checkFile({ facts, file, report }) {
    const laravel = laravelOf(facts);
    if (!laravel) return;
    const imports = fileImports(file.root);
    const seen = new Set<number>();
    const once = (n: SyntaxNode) => !seen.has(n.id) && !!seen.add(n.id);
    // 'throttle:api' on fifty routes of one file is one limiter configuration: one finding at its first use.
    const throttles = new Map<string, SyntaxNode[]>();
    for (const node of file.nodesAt(ANCHORS)) {
      const parent = node.parent;
      // Cache::lock() / Cache::store('x')->lock() / Cache::add() as a mutex
      if (node.type === 'name' && (node.text === 'lock' || node.text === 'add') && parent && CALLS.has(parent.type) && parent.childForFieldName('name')?.id === node.id) {
        const store = cacheStoreOf(callTarget(parent), parent, imports);
        if (store === null) continue;
        if (node.text === 'add' && !resultTested(parent)) continue;
        const local = localStore(laravel, store, 'the lock store');
        if (!local || !once(parent)) continue;
        const what = node.text === 'lock' ? 'This atomic lock' : 'Cache::add() used as a mutex';
        report({ node: parent, message: `${what} lives in the '${local.name}' cache store, whose '${local.driver}' driver is per server: another node can take the same lock at the same time.`, related: local.related });
        continue;
      }
      // RateLimiter::attempt()/hit()/..., or the limiter resolved from the container
      if (node.text === 'RateLimiter' && parent) {
        const call = parent.type === 'scoped_call_expression' && parent.childForFieldName('scope')?.id === node.id ? parent : undefined;
        const cls = resolveClassName(node.text, imports);
        if (!RATE_LIMITER.test(cls) && !(cls === 'RateLimiter' && !imports.namespace)) continue;
        const method = call?.childForFieldName('name')?.text;
        if (!call || !method || !LIMITER_USES.has(method)) continue;
        const at = call;
        const local = limiterStore(laravel);
        if (!local || !once(at)) continue;
        report({ node: at, message: `The rate limiter counts attempts in the '${local.name}' cache store, whose '${local.driver}' driver is per server: each node keeps its own count, so the limit multiplies by the number of nodes.`, related: local.related });
        continue;
      }
      // 'throttle:60,1' / 'throttle:api' middleware
      const literal = closest(node, new Set(['string', 'encapsed_string']));
      if (literal && /^throttle:/.test(stringLiteral(literal) ?? literal.text.replace(/^['"]/, ''))) {
        if (!once(literal)) continue;
        const value = stringLiteral(literal) ?? 'throttle';
        throttles.set(value, [...(throttles.get(value) ?? []), literal]);
        continue;
      }
      // ThrottleRequests::class (not its alias registration), ThrottleRequests::using(), a subclass, $middleware->throttleApi()
      if (node.text === 'ThrottleRequests' && parent) {
        if (resolveClassName(node.text, imports) !== THROTTLE_MIDDLEWARE && !node.text.startsWith('\\')) continue;
        const reportAt = throttleUse(node, parent);
        if (!reportAt) continue;
        const local = limiterStore(laravel);
        if (!local || !once(reportAt)) continue;
        report({ node: reportAt, message: `The ThrottleRequests middleware counts requests in the '${local.name}' cache store, whose '${local.driver}' driver is per server: the limit multiplies by the number of nodes.`, related: local.related });
        continue;
      }
      if ((node.text === 'throttleApi') && parent?.type === 'member_call_expression' && parent.childForFieldName('name')?.id === node.id && !/Redis/.test(callArgs(parent).map((a) => a.value.text).join(''))) {
        const local = limiterStore(laravel);
        if (!local || !once(parent)) continue;
        report({ node: parent, message: `throttleApi() limits API requests in the '${local.name}' cache store, whose '${local.driver}' driver is per server: the limit multiplies by the number of nodes.`, related: local.related });
      }
    }
    const limiter = throttles.size ? limiterStore(laravel) : undefined;
    for (const [value, [first, ...more]] of throttles) {
      if (!limiter) break;
      const uses = more.length ? `; ${more.length + 1} uses in this file, the first here` : '';
      report({
        node: first,
        message: `The ${value} middleware counts requests in the '${limiter.name}' cache store, whose '${limiter.driver}' driver is per server: the limit multiplies by the number of nodes${uses}.`,
        related: [...(limiter.related ?? []), ...more.slice(0, 3).map((n) => ({ file: file.path, line: n.startPosition.row + 1, message: `also ${value}` }))],
      });
    }
    // A subclass of ThrottleRequests (imported under any alias) is a throttle middleware of the app's own.
    if (file.text.includes('ThrottleRequests')) {
      for (const cls of file.root.descendantsOfType('class_declaration')) {
        const base = cls?.namedChildren.find((c: SyntaxNode | null) => c?.type === 'base_clause')?.namedChildren[0];
        const nameNode = cls?.childForFieldName('name');
        if (!base || !nameNode || resolveClassName(base.text, imports) !== THROTTLE_MIDDLEWARE) continue;
        const local = limiterStore(laravel);
        if (!local || !once(nameNode)) continue;
        report({ node: nameNode, message: `${nameNode.text} extends ThrottleRequests and counts requests in the '${local.name}' cache store, whose '${local.driver}' driver is per server: the limit multiplies by the number of nodes.`, related: local.related });
      }
    }
    // The limiter resolved from the container: app(RateLimiter::class), $app->make(RateLimiter::class)
    if (file.text.includes('RateLimiter')) {
      for (const ref of file.root.descendantsOfType('class_constant_access_expression')) {
        if (!ref || ref.namedChildren[1]?.text !== 'class' || !RATE_LIMITER.test(resolveClassName(ref.namedChildren[0]?.text ?? '', imports))) continue;
        const call = ref.parent?.parent?.parent;
        const fn = call?.type === 'function_call_expression' ? call.childForFieldName('function')?.text : CALLS.has(call?.type ?? '') ? call?.childForFieldName('name')?.text : undefined;
        if (!call || !fn || !/^(?:app|resolve|make|makeWith)$/.test(fn)) continue;
        const local = limiterStore(laravel);
        if (!local || !once(call)) continue;
        report({ node: call, message: `This RateLimiter counts attempts in the '${local.name}' cache store, whose '${local.driver}' driver is per server: each node keeps its own count, so the limit multiplies by the number of nodes.`, related: local.related });
      }
    }
    // Fully qualified \Illuminate\Routing\Middleware\ThrottleRequests::class is a qualified_name; handled through its text.
    for (const node of file.nodesAt(/\\Illuminate\\Routing\\Middleware\\ThrottleRequests\b(?!WithRedis)/)) {
      const q = closest(node, 'qualified_name') ?? node;
      const parent = q.parent;
      if (!parent) continue;
      const reportAt = throttleUse(q, parent);
      if (!reportAt) continue;
      const local = limiterStore(laravel);
      if (!local || !once(reportAt)) continue;
      report({ node: reportAt, message: `The ThrottleRequests middleware counts requests in the '${local.name}' cache store, whose '${local.driver}' driver is per server: the limit multiplies by the number of nodes.`, related: local.related });
    }
  },
});

/** Where a ThrottleRequests reference is a use (middleware list, ::using(), a subclass), not an alias registration or import. */
function throttleUse(name: SyntaxNode, parent: SyntaxNode): SyntaxNode | undefined {
  if (parent.type === 'base_clause') return undefined; // subclasses are reported at the class name
  if (parent.type === 'scoped_call_expression' && parent.childForFieldName('name')?.text === 'using') return parent;
  if (parent.type !== 'class_constant_access_expression') return undefined;
  const pair = parent.parent?.type === 'array_element_initializer' ? parent.parent : undefined;
  // 'throttle' => ThrottleRequests::class registers the alias; the routes that use 'throttle:...' are reported there.
  if (pair && pair.namedChildren.length === 2 && pair.namedChildren[1]?.id === parent.id) return undefined;
  if (parent.parent?.type === 'binary_expression') return parent.parent;
  return parent;
}
