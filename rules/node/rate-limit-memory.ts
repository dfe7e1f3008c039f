import { defineRule } from '../../src/engine/rule.js';
import { importsOneOf } from './support/module-screen.js';
import { analyse, choose, evaluate, insideHandler, isNullish, LANGUAGES, moduleOf, options, qname, related, serverFile, ts, unwrap, whyText, type Call, type Expression, type Node } from './support/common.js';

const LIMIT_MODULES = importsOneOf(['express-rate-limit', 'express-slow-down', '@fastify/rate-limit', 'fastify-rate-limit', 'koa-ratelimit', 'rate-limiter-flexible', '@nestjs/throttler', 'limiter']);
const EXPRESS = /^express-(?:rate-limit|slow-down)#(?:rateLimit|slowDown)?$/;
const MEMORY_STORE = /^(?:express-rate-limit#MemoryStore|express-slow-down#MemoryStore|rate-limiter-flexible#RateLimiterMemory|memorystore|lru-cache|node-cache)/;

function remediationFor(kind: string): string {
  switch (kind) {
    case 'fastify':
      return "Share the counters: `npm i ioredis`, then `fastify.register(rateLimit, { max, timeWindow, redis: new Redis(process.env.REDIS_URL) })`.";
    case 'koa':
      return "Use koa-ratelimit's Redis driver: `ratelimit({ driver: 'redis', db: new Redis(process.env.REDIS_URL), duration, max })`.";
    case 'flexible':
      return 'Use RateLimiterRedis (or RateLimiterPostgres/Mongo) with the same options and `storeClient: new Redis(process.env.REDIS_URL)`; keep RateLimiterMemory only as its `insuranceLimiter`.';
    case 'nest':
      return "Give ThrottlerModule shared storage: `npm i @nest-lab/throttler-storage-redis ioredis`, then `ThrottlerModule.forRoot({ throttlers: [{ ttl, limit }], storage: new ThrottlerStorageRedisService(new Redis(process.env.REDIS_URL)) })`.";
    case 'limiter':
      return 'Count requests in a shared store (rate-limiter-flexible RateLimiterRedis, or a Redis INCR + EXPIRE per key) instead of an in-process token bucket.';
    default:
      return "Share the counters between replicas: `npm i rate-limit-redis redis`, then `rateLimit({ windowMs, limit, store: new RedisStore({ sendCommand: (...args) => client.sendCommand(args) }) })`.";
  }
}

export default defineRule<Node>({
  meta: {
    id: 'node/rate-limit-memory',
    ecosystem: 'node',
    category: 'rate-limit',
    severity: 'warning',
    summary: 'Rate limits counted in the process (express-rate-limit/@fastify/rate-limit/koa-ratelimit/@nestjs/throttler without a shared store, RateLimiterMemory, in-process token buckets)',
    why: 'Each replica counts on its own: behind N replicas a client gets N times the limit, and a restart forgets every counter. Limits that protect logins or paid APIs stop protecting them once the app scales out.',
    remediation: remediationFor('express'),
    examples: {
      bad: 'app.use(rateLimit({ windowMs: 60_000, limit: 100 }))',
      good: 'app.use(rateLimit({ windowMs: 60_000, limit: 100, store: new RedisStore({ sendCommand: (...args) => client.sendCommand(args) }) }))',
    },
    fixable: false,
  },
  files: {
    languages: LANGUAGES,
    prefilter: /rate-limit|slow-down|koa-ratelimit|rate-limiter-flexible|@nestjs\/throttler|\blimiter\b/,
    include: serverFile,
    // Every finding is a call that resolves to a limiter module (support/module-screen.ts): files that only say
    // "rate limiter" in prose or env names (outline's env.ts) are not parsed.
    mayReport: (text) => LIMIT_MODULES.test(text),
  },
  checkFile(ctx) {
    const a = analyse(ctx);
    const report = (call: Call, message: string, kind: string, because = [] as import('../../src/engine/values.js').Origin[]) =>
      a.report({ node: call, message: `${message}${whyText(because.slice(0, 1))}. Each replica counts on its own: N replicas allow N times the limit.`, related: related(because), remediation: remediationFor(kind) });
    const storeIsMemory = (store: Expression | undefined) => {
      const c = choose(a.nf, store);
      if (c.undecided) return undefined;
      if (isNullish(c.node)) return { what: 'no store (the default MemoryStore)', because: c.because };
      const n = unwrap(c.node!);
      if ((ts.isNewExpression(n) || ts.isCallExpression(n)) && MEMORY_STORE.test(qname(n.expression) ?? '')) return { what: `store ${n.expression.getText()}`, because: c.because };
      return null;
    };
    for (const { call, q } of a.calls) {
      if (q && EXPRESS.test(q) && ts.isCallExpression(call)) {
        const opts = options(a.nf, call);
        if (opts === undefined || (opts?.unknownSpread && !opts.props.has('store'))) continue;
        const m = storeIsMemory(opts?.props.get('store'));
        if (m) report(call, `${moduleOf(q)} with ${m.what} keeps its counters in this process`, 'express', m.because);
      } else if (ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'register' && call.arguments[0]) {
        const mod = moduleOf(qname(call.arguments[0]));
        if (mod !== '@fastify/rate-limit' && mod !== 'fastify-rate-limit') continue;
        const opts = options(a.nf, call, 1);
        if (opts === undefined || (opts?.unknownSpread && !opts.props.has('redis') && !opts.props.has('store'))) continue;
        const redis = opts?.props.get('redis');
        if (redis && !isNullish(choose(a.nf, redis).node)) continue;
        if (opts?.props.get('store')) continue;
        report(call, `${mod} without \`redis\` or \`store\` keeps its counters in this process`, 'fastify');
      } else if (q === 'koa-ratelimit#') {
        const opts = options(a.nf, call);
        if (!opts) continue;
        const driver = evaluate(a.nf, opts.props.get('driver'));
        if (driver.t === 'scalar' && driver.v === 'memory') report(call, "koa-ratelimit with driver 'memory' keeps its counters in this process", 'koa', driver.origin.fromEnv ? [driver.origin] : []);
      } else if (q === 'rate-limiter-flexible#RateLimiterMemory') {
        const p = call.parent;
        if (ts.isPropertyAssignment(p) && /insuranceLimiter/.test(p.name.getText())) continue;
        // kept in a variable or static field whose every use is `insuranceLimiter: <name>` (outline's RateLimiter)
        const held = (ts.isVariableDeclaration(p) || ts.isPropertyDeclaration(p)) && ts.isIdentifier(p.name) ? p.name.text : undefined;
        if (held) {
          const name = held.replace(/\$/g, '\\$');
          const uses = ctx.file.text.match(new RegExp(`(?<![\\w$])${name}(?![\\w$])`, 'g'))?.length ?? 0;
          const insurance = ctx.file.text.match(new RegExp(`insuranceLimiter\\s*:\\s*(?:[\\w$]+\\.)?${name}(?![\\w$])`, 'g'))?.length ?? 0;
          if (insurance > 0 && uses === insurance + 1) continue;
        }
        report(call, 'rate-limiter-flexible RateLimiterMemory counts in this process', 'flexible');
      } else if (q && /^@nestjs\/throttler#ThrottlerModule\.forRoot(?:Async)?$/.test(q)) {
        if ((call.arguments ?? []).some((x) => /\bstorage\b/.test(x.getText()))) continue;
        const first = call.arguments?.[0];
        if (first && ts.isIdentifier(unwrap(first)) && !options(a.nf, call)) continue;
        report(call, '@nestjs/throttler without `storage` counts in this process (the default in-memory storage)', 'nest');
      } else if (q === 'limiter#RateLimiter' || q === 'limiter#TokenBucket') {
        // An in-process token bucket is a finding only when it limits requests (used inside a handler).
        const decl = call.parent;
        if (!ts.isVariableDeclaration(decl) || !ts.isIdentifier(decl.name)) continue;
        const name = decl.name.text;
        const used = a.calls.some(({ call: c }) => ts.isPropertyAccessExpression(c.expression) && c.expression.expression.getText() === name && /^(?:removeTokens|tryRemoveTokens)$/.test(c.expression.name.text) && insideHandler(c));
        if (used) report(call, `limiter ${q.includes('Token') ? 'TokenBucket' : 'RateLimiter'} is an in-process token bucket used to limit requests`, 'limiter');
      }
    }
  },
});
