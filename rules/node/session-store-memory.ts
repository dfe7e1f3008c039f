import { defineRule } from '../../src/engine/rule.js';
import type { Origin } from '../../src/engine/values.js';
import { analyse, choose, isNullish, LANGUAGES, moduleOf, options, qname, related, serverFile, ts, unwrap, whyText, type Analysis, type Call, type Expression, type Node } from './support/common.js';

/** Stores that keep sessions in the process (each replica has its own). */
const MEMORY_STORES = /^(?:memorystore|express-session#MemoryStore|koa-generic-session#MemoryStore|@fastify\/session#MemoryStore|lru-cache|session-memory-store|express-session-memory-store|quick-lru|node-cache)(?:#|$)/;

type Verdict = { memory: false } | { memory: true; what: string; because: Origin[] };

function storeVerdict(a: Analysis, store: Expression | undefined, missing: string): Verdict | undefined {
  if (store === undefined) return { memory: true, what: missing, because: [] };
  const chosen = choose(a.nf, store);
  if (chosen.undecided) return undefined;
  if (isNullish(chosen.node)) return { memory: true, what: `the store is ${chosen.node ? chosen.node.getText() : 'undefined'}, so ${missing}`, because: chosen.because };
  const n = unwrap(chosen.node!);
  if (ts.isNewExpression(n) || ts.isCallExpression(n)) {
    const q = qname(n.expression) ?? '';
    const m = MEMORY_STORES.exec(q.replace(/\(\)/g, ''));
    if (m) return { memory: true, what: `the store is ${n.expression.getText()} (${moduleOf(q)}), kept in this process`, because: chosen.because };
  }
  return { memory: false };
}

function remediationFor(kind: string): string {
  switch (kind) {
    case 'fastify':
      return "Give @fastify/session a shared store: `npm i connect-redis ioredis`, then `fastify.register(fastifySession, { secret, store: new RedisStore({ client: new Redis(process.env.REDIS_URL) }) })`.";
    case 'koa':
      return "Give the Koa session a shared store: `npm i koa-redis`, then `session({ store: redisStore({ url: process.env.REDIS_URL }) }, app)` (or keep koa-session's default cookie store).";
    default:
      return "Keep sessions in a shared store: `npm i connect-redis redis`, then `const client = createClient({ url: process.env.REDIS_URL }); await client.connect();` and `session({ store: new RedisStore({ client, prefix: 'sess:' }), secret, resave: false, saveUninitialized: false })`.";
  }
}

export default defineRule<Node>({
  meta: {
    id: 'node/session-store-memory',
    ecosystem: 'node',
    category: 'sessions',
    severity: 'error',
    summary: 'Sessions kept in the process (express-session/@fastify/session/koa-generic-session without a shared store, or an in-memory store)',
    why: 'The default MemoryStore (and memorystore, LRU-backed stores) lives in one process: behind a load balancer a user logged in on one replica is a stranger on the next, and every restart logs everyone out. express-session warns about it only when NODE_ENV=production at require time.',
    remediation: remediationFor('express'),
    examples: {
      bad: "app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }))",
      good: "app.use(session({ store: new RedisStore({ client: redisClient }), secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false }))",
    },
    fixable: false,
  },
  files: { languages: LANGUAGES, prefilter: /express-session|@fastify\/session|fastify-session|koa-generic-session|koa-session|memorystore/, include: serverFile },
  checkFile(ctx) {
    const a = analyse(ctx);
    const report = (call: Call, v: Verdict & { memory: true }, lib: string, kind: string) =>
      a.report({
        node: call,
        message: `${lib} keeps sessions in this process: ${v.what}${whyText(v.because.slice(0, 1))}. Each replica has its own sessions.`,
        related: related(v.because),
        remediation: remediationFor(kind),
      });
    for (const { call, q } of a.calls) {
      if (!ts.isCallExpression(call)) continue;
      if (q === 'express-session#' || q === 'koa-generic-session#') {
        const opts = options(a.nf, call);
        const lib = q === 'express-session#' ? 'express-session' : 'koa-generic-session';
        if (opts === undefined || opts?.unknownSpread && !opts.props.has('store')) continue;
        const v = storeVerdict(a, opts?.props.get('store'), 'the default MemoryStore is used');
        if (v?.memory) report(call, v, lib, q === 'express-session#' ? 'express' : 'koa');
      } else if (q === 'koa-session#') {
        // koa-session keeps the session in the cookie unless a store is given: only an in-process store is a finding.
        const idx = call.arguments.findIndex((x) => ts.isObjectLiteralExpression(unwrap(x)) || (ts.isIdentifier(x) && !/^app$/.test(x.text)));
        const opts = idx >= 0 ? options(a.nf, call, idx) : null;
        const store = opts ? opts.props.get('store') : undefined;
        if (store) {
          const v = storeVerdict(a, store, '');
          if (v?.memory) report(call, v, 'koa-session', 'koa');
        }
      } else if (ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'register' && call.arguments[0]) {
        const plugin = qname(call.arguments[0]);
        const mod = moduleOf(plugin);
        if (mod !== '@fastify/session' && mod !== 'fastify-session') continue;
        const opts = options(a.nf, call, 1);
        if (opts === undefined || opts?.unknownSpread && !opts.props.has('store')) continue;
        const v = storeVerdict(a, opts?.props.get('store'), 'the default MemoryStore is used');
        if (v?.memory) report(call, v, mod, 'fastify');
      }
    }
  },
});
