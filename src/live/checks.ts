import type { RuleMeta } from '../engine/rule.js';

/** Metadata of every `statelint live` check (public rule ids; documented like audit rules). */
export const LIVE_CHECKS: RuleMeta[] = [
  {
    id: 'live/session-lost-on-switch',
    category: 'sessions',
    severity: 'error',
    summary: 'A session made on one node is not the same session on another node',
    why: 'Behind a load balancer a user is sent to any node. If node B does not see the session node A created, the user is logged out, loses the cart or fails CSRF checks whenever the balancer switches nodes.',
    remediation: 'Store sessions where every node reads them (Laravel: SESSION_DRIVER=redis or database; Express: connect-redis or another shared store instead of MemoryStore), and give every node the same APP_KEY / session secret.',
    examples: { bad: 'SESSION_DRIVER=file  (each node has its own storage/framework/sessions)', good: 'SESSION_DRIVER=redis  (one Redis shared by all nodes)' },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/cookie-rejected-by-node',
    category: 'sessions',
    severity: 'error',
    summary: 'A node cannot read the session cookie another node issued',
    why: 'When nodes have different APP_KEYs (or ciphers, or cookie names), a node silently discards the cookie, starts a new session and overwrites the browser cookie, so the user is logged out on every node.',
    remediation: 'Deploy the same APP_KEY, cipher and session cookie name to every node (one secret in the deployment, not one per machine).',
    examples: { bad: 'node A: APP_KEY=base64:AAA...  node B: APP_KEY=base64:BBB...', good: 'APP_KEY injected from one secret into every node' },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/logout-not-propagated',
    category: 'sessions',
    severity: 'error',
    summary: 'After logout on one node, another node still accepts the old session',
    why: 'If logout only clears the cookie, or a node caches sessions locally, a stolen or replayed cookie stays valid on other nodes after the user logged out.',
    remediation: 'Destroy the session in the shared store on logout (Laravel: $request->session()->invalidate(); Express: req.session.destroy()) and do not cache sessions per node without invalidation.',
    examples: { bad: "app.get('/logout', (req, res) => { res.clearCookie('connect.sid'); res.end(); })", good: "app.get('/logout', (req, res) => req.session.destroy(() => res.end()))" },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/store-session-missing',
    category: 'sessions',
    severity: 'error',
    summary: 'The session id has no key in the store the configuration names',
    why: 'The app writes sessions somewhere other than the shared store the configuration points to, so other nodes cannot find them.',
    remediation: 'Check SESSION_DRIVER, SESSION_CONNECTION and the Redis prefix settings on every node (Laravel); for Express, the connect-redis `prefix` and the Redis client every node gives express-session.',
    examples: { bad: 'SESSION_CONNECTION=cache on node A, default on node B', good: 'the same SESSION_CONNECTION everywhere' },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/store-evicts-sessions',
    category: 'sessions',
    severity: 'warning',
    summary: 'The session store evicts keys under memory pressure',
    why: 'With maxmemory and an allkeys-* policy Redis deletes sessions to make room for other data: users are logged out at random when the cache fills up.',
    remediation: 'Keep sessions in a Redis (or database) that uses maxmemory-policy noeviction or volatile-* with enough memory, separate from the cache.',
    examples: { bad: 'maxmemory 2mb\nmaxmemory-policy allkeys-lru', good: 'maxmemory-policy noeviction' },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/store-not-persistent',
    category: 'sessions',
    severity: 'warning',
    summary: 'The session store has neither RDB snapshots nor AOF',
    why: 'A Redis restart without persistence empties the store: everyone is logged out at once.',
    remediation: 'Enable appendonly yes or RDB save rules on the Redis that holds sessions.',
    examples: { bad: "save ''\nappendonly no", good: 'appendonly yes' },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/store-single-point',
    category: 'sessions',
    severity: 'info',
    summary: 'The session store is a single Redis with no replica',
    why: 'When this one Redis goes down, every node loses every session at once; the app tier scaled out but the session tier did not.',
    remediation: 'Add a replica with Sentinel, or use Redis Cluster or a managed highly available Redis.',
    examples: { bad: 'one redis-server, role:master, connected_slaves:0', good: 'master + replica + 3 sentinels' },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/clock-skew',
    category: 'sessions',
    severity: 'warning',
    summary: 'The clocks of the nodes differ by more than 2 seconds',
    why: 'Session expiry, signed URLs and CSRF/TOTP windows depend on time: skewed nodes expire sessions early or accept stale tokens.',
    remediation: 'Run NTP (chrony, systemd-timesyncd) on every node.',
    examples: { bad: 'node A Date: 12:00:00, node B Date: 12:00:07', good: 'all nodes synchronised by NTP' },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/store-replication-broken',
    category: 'sessions',
    severity: 'error',
    summary: 'A replica of the session store does not receive what is written to its master',
    why: 'Sessions written to the master never reach the replica: a failover promotes a replica without them (everyone written since is logged out), and clients that read from replicas (Predis with Sentinel, READONLY cluster reads) do not find sessions that exist.',
    remediation: 'Check the replica link (INFO replication: master_link_status, master_repl_offset), replica-announce-ip/port and the network between master and replica; fix or remove the broken replica.',
    examples: { bad: 'replica announces 10.0.0.9:6380 but that address is another Redis; master_link_status:down', good: 'every replica online and master_link_status:up, probe read back within milliseconds' },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/node-error',
    category: 'sessions',
    severity: 'error',
    summary: 'A node answered with a server error or an unusable response instead of the page',
    why: 'A 5xx, a redirect loop or a redirect to a host that is not one of the nodes is not a lost session, but it is not a working node either: users routed there get an error, and the checks that needed that answer could not run.',
    remediation: 'Read the node\'s error log for the request statelint names (a 5xx often means the node cannot reach the session store); fix redirects that loop or leave the site.',
    examples: { bad: 'GET / on node B: 500 Internal Server Error (RedisException: Connection refused)', good: 'GET / on every node: 200' },
    fixable: false,
    ecosystem: 'laravel',
  },
  {
    id: 'live/check-incomplete',
    category: 'sessions',
    severity: 'error',
    summary: 'A live check could not be completed, so the run does not prove the cluster is safe',
    why: 'Sessions that errored or timed out, a cookie that could not be decrypted without the APP_KEY, a store lookup that failed: a check that was not decided is not a pass. The finding says what was not checked and why.',
    remediation: 'Fix what the message names (pass --app-key or the project path, make the node or store answer within --timeout, check --path/--login-path) and run statelint live again.',
    examples: { bad: 'load mode: 488 of 2000 sessions checked, 1512 errored (ECONNREFUSED on node B)', good: 'load mode: 2000 of 2000 sessions checked, 0 errored' },
    fixable: false,
    ecosystem: 'laravel',
  },
];

export type LiveCheckId =
  | 'live/session-lost-on-switch'
  | 'live/cookie-rejected-by-node'
  | 'live/logout-not-propagated'
  | 'live/store-session-missing'
  | 'live/store-evicts-sessions'
  | 'live/store-not-persistent'
  | 'live/store-single-point'
  | 'live/clock-skew'
  | 'live/store-replication-broken'
  | 'live/node-error'
  | 'live/check-incomplete';

export function liveCheck(id: LiveCheckId): RuleMeta {
  const meta = LIVE_CHECKS.find((c) => c.id === id);
  if (!meta) throw new Error(`unknown live check ${id}`);
  return meta;
}
