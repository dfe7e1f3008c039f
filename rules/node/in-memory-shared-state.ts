import type { ts as T } from 'ts-morph';
import { defineRule } from '../../src/engine/rule.js';
import { importsOf } from '../../src/ecosystems/node/ast.js';
import { mayHoldSharedState } from './support/shared-state-text.js';
import { type Analysis, analyse, decoratorsOf, enclosingFunction, insideHandler, LANGUAGES, lineOf, qname, serverFile, ts, unwrap, type Node } from './support/common.js';

const CACHE_MODULES = /^(?:lru-cache|node-cache|quick-lru|memory-cache|mnemonist|cache-manager|tiny-lru|@isaacs\/ttlcache|ttl-cache|flat-cache)#/;
const MUTATORS = /^(?:set|add|push|unshift|splice|put|delete|setex|mset|increment|incr)$/;

const REMEDIATION =
  'Keep shared state where every replica sees it: Redis (a hash or keys with a TTL, `SET key value EX ttl`), the database, or a cache with shared invalidation (cache-manager with a Redis store, or Nest CacheModule with a redis store). For sockets of a user on other replicas, emit through the socket.io Redis adapter (`io.to(userId).emit`) instead of a Map of sockets.';

/** What kind of in-process container a declaration initialiser is, or undefined. */
function containerKind(init: T.Expression | undefined): string | undefined {
  if (!init) return undefined;
  const e = unwrap(init);
  if (ts.isNewExpression(e)) {
    const name = e.expression.getText();
    if (/^(?:Map|Set)$/.test(name)) return name;
    const q = qname(e.expression);
    if (q && CACHE_MODULES.test(q)) return `${q.slice(0, q.indexOf('#'))} cache`;
    return undefined;
  }
  if (ts.isCallExpression(e)) {
    const q = qname(e.expression);
    if (q && CACHE_MODULES.test(q)) return `${q.slice(0, q.indexOf('#'))} cache`;
    return undefined;
  }
  if (ts.isObjectLiteralExpression(e) && e.properties.every((p) => ts.isPropertyAssignment(p) && !ts.isFunctionLike(p.initializer))) return 'object';
  // A registry object: containers plus the methods that fill them (juice-shop's
  // `authenticatedUsers = { tokenMap: {}, put(token, user) { this.tokenMap[token] = user } }`)
  if (ts.isObjectLiteralExpression(e)) {
    const holds = e.properties.some((p) => ts.isPropertyAssignment(p) && !ts.isFunctionLike(p.initializer) && !!containerKind(p.initializer));
    const fills = e.properties.some((p) => (ts.isMethodDeclaration(p) || (ts.isPropertyAssignment(p) && ts.isFunctionLike(p.initializer))) && /\bthis\.\w+(?:\[[^\]]+\]\s*=[^=]|\.(?:set|add|push)\s*\()/.test(p.getText()));
    if (holds && fills) return 'registry object';
  }
  if (ts.isArrayLiteralExpression(e)) return 'array';
  return undefined;
}

/** A write of the container through `ref` (`x.set()`, `x[k] = v`, `delete x[k]`, `x.push()`). */
function isWrite(ref: Node): boolean {
  const p = ref.parent;
  if (ts.isPropertyAccessExpression(p) && p.expression === ref) {
    const call = p.parent;
    if (ts.isCallExpression(call) && call.expression === p && MUTATORS.test(p.name.text)) return true;
    if (ts.isBinaryExpression(call) && call.left === p && call.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && call.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return true;
    if (ts.isDeleteExpression(call) || ts.isPostfixUnaryExpression(call) || ts.isPrefixUnaryExpression(call)) return ts.isDeleteExpression(call) || call.operator === ts.SyntaxKind.PlusPlusToken || call.operator === ts.SyntaxKind.MinusMinusToken;
  }
  if (ts.isElementAccessExpression(p) && p.expression === ref) {
    const outer = p.parent;
    if (ts.isBinaryExpression(outer) && outer.left === p && outer.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && outer.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return true;
    if (ts.isDeleteExpression(outer)) return true;
    if ((ts.isPostfixUnaryExpression(outer) || ts.isPrefixUnaryExpression(outer)) && (outer.operator === ts.SyntaxKind.PlusPlusToken || outer.operator === ts.SyntaxKind.MinusMinusToken)) return true;
  }
  return false;
}

export default defineRule<Node>({
  meta: {
    id: 'node/in-memory-shared-state',
    ecosystem: 'node',
    category: 'memory',
    severity: 'warning',
    summary: 'Module-level or singleton Maps, objects, arrays and caches written while serving requests (state another replica does not see)',
    why: 'A module is loaded once per process: a Map of online users, a token registry or a cache written by one request is invisible to requests served by another replica, and lost on restart. Caches without shared invalidation serve stale data on the replicas that did not see the write.',
    remediation: REMEDIATION,
    examples: { bad: "const resetTokens = new Map();\napp.post('/forgot', (req, res) => { resetTokens.set(token, req.body.email); });", good: "app.post('/forgot', async (req, res) => { await redis.set(`reset:${token}`, req.body.email, 'EX', 3600); });" },
    fixable: false,
  },
  // Candidates are top-level declarations (column 0; the runner joins prefilters by source, so no m flag), cache packages by import name, Nest singletons and
  // CacheModule: a looser `= {` matched most files of a real app and made the audit parse all of them.
  files: {
    languages: LANGUAGES,
    prefilter: /(?:^|\n)(?:export\s+)?(?:const|let|var)\s+[\w$]+\s*(?::[^\n]*?)?=\s*(?:new\s+(?:Map|Set)\b|[{[])|lru|LRU|node-cache|memory-cache|mnemonist|cache-manager|ttl-?cache|flat-cache|@Injectable|@Controller|@WebSocketGateway|CacheModule/,
    include: serverFile,
    // Most prefilter hits are constant tables and per-request objects: a text screen drops files with no name that is
    // both declared as a container and written through (exact or wider than checkFile: support/shared-state-text.ts).
    mayReport: mayHoldSharedState,
  },
  checkFile(ctx) {
    const a = analyse(ctx);
    const candidates: { name: string; decl: Node; kind: string; scope: Node; member: boolean }[] = [];
    for (const st of a.sf.statements) {
      if (!ts.isVariableStatement(st)) continue;
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        const kind = containerKind(d.initializer);
        if (kind) candidates.push({ name: d.name.text, decl: d, kind, scope: a.sf, member: false });
      }
    }
    // Singleton providers (Nest @Injectable without a request scope, @Controller): their fields live as long as the process.
    for (const st of a.sf.statements) {
      if (!ts.isClassDeclaration(st)) continue;
      const decos = decoratorsOf(st).map((d) => d.expression.getText());
      if (!decos.some((d) => /^(?:Injectable|Controller|WebSocketGateway)\b/.test(d)) || decos.some((d) => /Scope\.(?:REQUEST|TRANSIENT)/.test(d))) continue;
      for (const m of st.members) {
        if (!ts.isPropertyDeclaration(m) || !ts.isIdentifier(m.name) || m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword && false)) continue;
        const kind = containerKind(m.initializer);
        if (kind) candidates.push({ name: m.name.text, decl: m, kind, scope: st, member: true });
      }
    }
    // Nest's CacheModule with the default in-memory store: a cache per replica with no shared invalidation.
    // A call resolves to CacheModule only where the text names it (an import or a member), unless written with escapes:
    // other files skip the walk over every call.
    for (const { call, q } of /CacheModule|\\[ux]/.test(ctx.file.text) ? a.calls : []) {
      if (!q || !/^@nestjs\/(?:cache-manager|common)#CacheModule\.register(?:Async)?$/.test(q) || !ts.isCallExpression(call)) continue;
      const arg = call.arguments[0];
      if (arg && /\bstore\b|\bstores\b/.test(arg.getText())) continue;
      if (arg && !ts.isObjectLiteralExpression(unwrap(arg))) continue;
      a.report({
        node: call,
        message: 'CacheModule uses the default in-memory store: each replica caches on its own and a change made through one replica is not invalidated on the others.',
        remediation: "Give CacheModule a shared store: `npm i @keyv/redis` (cache-manager 6) and `CacheModule.registerAsync({ useFactory: () => ({ stores: [new KeyvRedis(process.env.REDIS_URL)] }) })` (or `store: redisStore` from cache-manager-redis-yet on cache-manager 5).",
      });
    }
    if (!candidates.length) return;
    // One walk of the file for every candidate (a walk per candidate made files with many top-level objects quadratic);
    // each candidate still sees only references inside its scope, in source order.
    const uses = candidates.map(() => ({ writes: [] as Node[], callers: [] as { file: string; line: number; message: string }[], reads: 0 }));
    const byName = new Map<string, number[]>();
    candidates.forEach((c, i) => byName.set(c.name, [...(byName.get(c.name) ?? []), i]));
    const within = (n: Node, scope: Node) => scope === a.sf || (n.pos >= scope.pos && n.end <= scope.end);
    const visit = (n: Node) => {
      const member = ts.isPropertyAccessExpression(n) && n.expression.kind === ts.SyntaxKind.ThisKeyword;
      const name = member ? n.name.text : ts.isIdentifier(n) ? n.text : undefined;
      for (const i of (name !== undefined && byName.get(name)) || []) {
        const c = candidates[i];
        if (!within(n, c.scope)) continue;
        const ref = c.member
          ? member ? n : undefined
          : ts.isIdentifier(n) && n !== (c.decl as T.VariableDeclaration).name && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n) && !ts.isPropertyAssignment(n.parent) ? n : undefined;
        if (!ref || !enclosingFunction(ref)) continue;
        const u = uses[i];
        if (isWrite(ref)) {
          const method = c.member ? enclosingMethod(ref) : undefined;
          const caller = c.member || insideHandler(ref) ? undefined : exportedWriterCaller(a, ref);
          if (caller) u.callers.push(caller);
          const inRequest = c.member ? !!method && !/^(?:constructor|onModuleInit|onApplicationBootstrap)$/.test(method) : insideHandler(ref) || !!caller;
          if (inRequest && !shadowed(ref as T.Identifier, c.member)) u.writes.push(ref);
        } else u.reads++;
      }
      ts.forEachChild(n, visit);
    };
    visit(a.sf);
    for (const [i, c] of candidates.entries()) {
      const { writes, callers, reads } = uses[i];
      if (!writes.length || !reads) continue;
      const where = c.member ? `singleton field this.${c.name}` : `module-level ${c.kind} ${c.name}`;
      a.report({
        node: c.member ? (c.decl as T.PropertyDeclaration).name : (c.decl as T.VariableDeclaration).name,
        message: `${where}${c.member && c.kind ? ` (${c.kind})` : ''} is written while serving requests (line ${writes.map(lineOf).slice(0, 3).join(', ')}) and read by other requests: each replica has its own copy.`,
        related: [...writes.slice(0, 5).map((w) => ({ file: ctx.file.path, line: lineOf(w), message: 'written here' })), ...callers.slice(0, 3)],
        remediation: REMEDIATION,
      });
    }
  },
});

/** A local of the same name declared in a function around the reference hides the module-level one. */
function shadowed(ref: T.Identifier, member: boolean): boolean {
  if (member || !ts.isIdentifier(ref)) return false;
  for (let fn = enclosingFunction(ref); fn; fn = enclosingFunction(fn)) {
    if (fn.parameters.some((p) => p.name.getText() === ref.text)) return true;
    let found = false;
    const visit = (n: Node) => {
      if (found || (n !== fn && ts.isFunctionLike(n))) return;
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === ref.text) found = true;
      ts.forEachChild(n, visit);
    };
    if (fn.body) visit(fn.body);
    if (found) return true;
  }
  return false;
}

function enclosingMethod(n: Node): string | undefined {
  for (let cur: Node | undefined = n.parent; cur; cur = cur.parent) {
    if (ts.isConstructorDeclaration(cur)) return 'constructor';
    if (ts.isMethodDeclaration(cur) || ts.isGetAccessorDeclaration(cur) || ts.isSetAccessorDeclaration(cur)) return cur.name.getText();
    if (ts.isPropertyDeclaration(cur) && cur.initializer && ts.isFunctionLike(cur.initializer)) return cur.name.getText();
  }
  return undefined;
}

/**
 * A write inside an exported function (`export function remember(user) { list.push(user) }`) counts as a
 * request-time write when a handler in another server file imports and calls that function.
 */
function exportedWriterCaller(a: Analysis, ref: Node): { file: string; line: number; message: string } | undefined {
  const fn = enclosingFunction(ref);
  if (!fn || enclosingFunction(fn)) return undefined;
  const name = ts.isFunctionDeclaration(fn) ? fn.name?.text : ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name) ? fn.parent.name.text : undefined;
  if (!name) return undefined;
  const stmt = ts.isFunctionDeclaration(fn) ? fn : fn.parent.parent.parent;
  const exported = (stmt as T.Statement & { modifiers?: T.NodeArray<T.ModifierLike> }).modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) || new RegExp(`(?:module\\.)?exports\\.${name}\\s*=|module\\.exports\\s*=\\s*\\{[^}]*\\b${name}\\b`).test(a.sf.text);
  if (!exported) return undefined;
  const self = a.ctx.file.path;
  for (const file of a.nf.packageOf(self)?.files ?? []) {
    const text = file === self ? undefined : a.nf.textOf(file);
    // the substring first: the regex over each of the package's files cost more than the rest of the rule
    if (!text?.includes(name) || !new RegExp(`\\b${name}\\s*\\(`).test(text)) continue;
    const sf = a.nf.sourceFile(file);
    if (!sf) continue;
    const imported = importsOf(sf).get(name);
    if (!imported) continue;
    let hit: Node | undefined;
    const visit = (n: Node) => {
      if (hit) return;
      if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name && insideHandler(n)) hit = n;
      ts.forEachChild(n, visit);
    };
    visit(sf);
    if (hit) return { file, line: lineOf(hit), message: `${name}() is called while serving a request` };
  }
  return undefined;
}
