import { defineRule } from '../../src/engine/rule.js';
import { analyse, decoratorQname, decoratorsOf, descendants, LANGUAGES, options, serverFile, ts, type Node } from './support/common.js';
import type { NodeFacts } from '../../src/ecosystems/node/facts.js';

const ATTACH = /\.adapter\s*\(\s*[^)\s]|useWebSocketAdapter\s*\(|adapter\s*:\s*createAdapter/;
const ADAPTERS = /@socket\.io\/(?:redis|redis-streams|postgres|mongo|cluster|gcp-pubsub|aws-sqs|azure-service-bus)-adapter|socket\.io-redis|socket\.io-adapter-|@socket\.io\/sticky|socket\.io-mongo/;

/** An adapter attached anywhere in the server package (`io.adapter(createAdapter(...))`, Nest's useWebSocketAdapter). */
function adapterAttached(nf: NodeFacts, file: string): string | undefined {
  const pkg = nf.packageOf(file);
  for (const f of pkg?.files ?? [file]) {
    const text = nf.textOf(f);
    // every ATTACH form contains 'dapter': a substring search skips the regex in almost every file
    if (text?.includes('dapter') && ATTACH.test(text) && (ADAPTERS.test(text) || /useWebSocketAdapter|\.adapter\s*\(/.test(text))) return f;
  }
  return undefined;
}

const REMEDIATION =
  "Attach a cross-node adapter so rooms and broadcasts reach clients on every replica: `npm i @socket.io/redis-adapter redis`, then `const pub = createClient({ url: process.env.REDIS_URL }); const sub = pub.duplicate(); await Promise.all([pub.connect(), sub.connect()]); io.adapter(createAdapter(pub, sub));` (and sticky sessions at the load balancer for the HTTP long-polling transport).";

export default defineRule<Node>({
  meta: {
    id: 'node/socketio-no-adapter',
    ecosystem: 'node',
    category: 'realtime',
    severity: 'error',
    summary: 'A socket.io server with no cross-node adapter',
    why: "socket.io's default in-memory adapter only knows the sockets of its own process: `io.emit`, `io.to(room).emit` and `fetchSockets()` miss every client connected to another replica, so messages silently reach only part of the users.",
    remediation: REMEDIATION,
    examples: { bad: 'const io = new Server(httpServer);', good: 'const io = new Server(httpServer);\nio.adapter(createAdapter(pubClient, subClient));' },
    fixable: false,
  },
  files: { languages: LANGUAGES, prefilter: /socket\.io|WebSocketGateway/, include: serverFile },
  checkFile(ctx) {
    const a = analyse(ctx);
    const attached = () => adapterAttached(a.nf, ctx.file.path);
    for (const { call, q } of a.calls) {
      const isServer = q === 'socket.io#Server' || (q === 'socket.io#' && ts.isCallExpression(call)) || (q === 'socket.io#' && ts.isNewExpression(call));
      if (!isServer) continue;
      const opts = call.arguments?.length ? options(a.nf, call, call.arguments.length - 1) : null;
      if (opts && (opts.props.has('adapter') || opts.unknownSpread)) continue;
      if (attached()) continue;
      a.report({ node: call, message: 'socket.io Server without a cross-node adapter: broadcasts and rooms only reach clients connected to this replica.', remediation: REMEDIATION });
    }
    // NestJS gateways run on socket.io (@nestjs/platform-socket.io) unless another adapter is set in main.ts.
    if (!a.nf.dependsOn(ctx.file.path, '@nestjs/platform-socket.io')) return;
    for (const n of descendants(a.sf)) {
      if (!ts.isClassDeclaration(n)) continue;
      const gw = decoratorsOf(n).find((d) => decoratorQname(d) === '@nestjs/websockets#WebSocketGateway');
      if (!gw || attached()) continue;
      a.report({
        node: gw,
        message: `@WebSocketGateway ${n.name?.text ?? ''} runs on socket.io with the default in-memory adapter: server.emit and rooms only reach clients connected to this replica.`.replace('  ', ' '),
        remediation: 'Write a RedisIoAdapter (extends IoAdapter, `createIOServer` calls `server.adapter(createAdapter(pub, sub))` from @socket.io/redis-adapter) and call `app.useWebSocketAdapter(redisIoAdapter)` in main.ts.',
      });
    }
  },
});
