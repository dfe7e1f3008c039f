import type { CookieJar } from 'tough-cookie';
import { decryptLaravelCookie } from './laravel-cookie.js';
import { joinUrl, LiveHttp, type HttpResult, type RequestInit } from './http.js';
import { displayUrl } from './redact.js';
import type { LiveIssue } from './report.js';
import { detectSessionCookie, doLogin, logoutInit, replayAfterLogout, sessionIdentity, type ScenarioOptions } from './scenario.js';

/** The single switch scenario's options, plus how many sessions and how many at a time. */
export interface LoadOptions extends ScenarioOptions {
  sessions: number;
  concurrency: number;
}

export interface NodeLatency {
  requests: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoadStats {
  sessions: number;
  concurrency: number;
  /** Sessions whose verification on the other node could be judged (no network error). */
  judged: number;
  survived: number;
  lost: number;
  /** Sessions the given APP_KEY could not tell apart (no --auth-path, encrypted cookie). */
  unknown: number;
  errors: number;
  survivalRate: number | null;
  /** With --logout-path: sessions still served by another node after logout on the node that made them. */
  logout: { checked: number; stale: number } | null;
  requests: number;
  wallMs: number;
  sessionsPerSecond: number;
  requestsPerSecond: number;
  perNode: Record<string, NodeLatency>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

type Outcome = 'survived' | 'lost' | 'unknown' | 'error';

/**
 * Load mode: `sessions` independent browsers, `concurrency` at a time. Session i is made on node i mod k
 * and verified on node i+1 mod k (the auth page with a login, else the session cookie's identity);
 * with a logout path it then logs out on the first node and replays the old cookie on the second.
 */
export async function runLoad(opts: LoadOptions): Promise<{ issues: LiveIssue[]; stats: LoadStats }> {
  const http = new LiveHttp(opts.timeoutMs, opts.ca);
  try {
    return await load(opts, http);
  } finally {
    http.close();
  }
}

async function load(opts: LoadOptions, http: LiveHttp): Promise<{ issues: LiveIssue[]; stats: LoadStats }> {
  const latencies = new Map<string, number[]>(opts.nodes.map((n) => [n, []]));
  const nodeErrors = new Map<string, number>(opts.nodes.map((n) => [n, 0]));
  const lostOn = new Map<string, number>();
  const staleOn = new Map<string, number>();
  let cookieName = opts.cookieName;
  let requests = 0;
  let logoutChecked = 0;

  const call = async (jar: CookieJar | null, node: string, path: string, init?: RequestInit): Promise<HttpResult> => {
    requests++;
    try {
      const res = await http.request(jar ?? http.newJar(), joinUrl(node, path), init);
      for (const v of res.setCookies.values()) opts.redactor.add(v);
      latencies.get(node)?.push(res.ms);
      return res;
    } catch (e) {
      nodeErrors.set(node, (nodeErrors.get(node) ?? 0) + 1);
      throw e;
    }
  };

  const one = async (i: number): Promise<Outcome> => {
    const a = opts.nodes[i % opts.nodes.length] as string;
    const b = opts.nodes[(i + 1) % opts.nodes.length] as string;
    const jar = http.newJar();
    try {
      const made = opts.loginPath ? await doLogin(call, jar, a, opts) : await call(jar, a, opts.path);
      let kept: boolean | null;
      if (opts.authPath) {
        const auth = await call(jar, b, opts.authPath);
        kept = auth.status >= 200 && auth.status < 300;
      } else {
        cookieName ??= detectSessionCookie([...made.setCookies.keys()]);
        const va = cookieName ? made.setCookies.get(cookieName) : undefined;
        if (!cookieName || va === undefined) return 'unknown';
        const rb = await call(jar, b, opts.path);
        const vb = rb.setCookies.get(cookieName);
        if (vb === undefined) kept = true;
        else {
          const ia = sessionIdentity(cookieName, va, opts.appKey);
          const ib = sessionIdentity(cookieName, vb, opts.appKey);
          if (ia.kind === 'id' && ib.kind === 'id') kept = ia.id === ib.id && sameCsrf(made, rb, opts.appKey);
          else if (ib.kind === 'undecryptable') kept = false;
          else kept = null;
        }
      }
      if (kept === null) return 'unknown';
      if (!kept) {
        lostOn.set(b, (lostOn.get(b) ?? 0) + 1);
        return 'lost';
      }
      if (opts.logoutPath && opts.authPath) {
        const before = await http.cookies(jar, joinUrl(a, opts.authPath));
        const old = [...before].map(([k, v]) => `${k}=${v}`).join('; ');
        await call(jar, a, opts.logoutPath, logoutInit(opts, before.get('XSRF-TOKEN')));
        const replay = await replayAfterLogout(() => call(null, b, opts.authPath!, { headers: { cookie: old } }));
        logoutChecked++;
        if (replay.status >= 200 && replay.status < 300) staleOn.set(b, (staleOn.get(b) ?? 0) + 1);
      }
      return 'survived';
    } catch {
      return 'error';
    }
  };

  const outcomes: Outcome[] = new Array(opts.sessions);
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < opts.sessions) {
      const i = next++;
      outcomes[i] = await one(i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, opts.sessions)) }, worker));
  const wallMs = Date.now() - started;

  const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
  const survived = count('survived');
  const lost = count('lost');
  const unknownCount = count('unknown');
  const errors = count('error');
  const judged = survived + lost;
  const perNode: Record<string, NodeLatency> = {};
  for (const [node, list] of latencies) {
    const s = [...list].sort((x, y) => x - y);
    perNode[displayUrl(node)] = { requests: s.length, errors: nodeErrors.get(node) ?? 0, p50Ms: percentile(s, 50), p95Ms: percentile(s, 95), p99Ms: percentile(s, 99), maxMs: s[s.length - 1] ?? 0 };
  }
  const stats: LoadStats = {
    sessions: opts.sessions,
    concurrency: opts.concurrency,
    judged,
    survived,
    lost,
    unknown: unknownCount,
    errors,
    survivalRate: judged ? survived / judged : null,
    logout: opts.logoutPath && opts.authPath ? { checked: logoutChecked, stale: [...staleOn.values()].reduce((x, y) => x + y, 0) } : null,
    requests,
    wallMs,
    sessionsPerSecond: round1(opts.sessions / (wallMs / 1000)),
    requestsPerSecond: round1(requests / (wallMs / 1000)),
    perNode,
  };

  const issues: LiveIssue[] = [];
  const lat = Object.entries(perNode)
    .map(([n, l]) => `${n} p50 ${l.p50Ms} ms / p95 ${l.p95Ms} ms / p99 ${l.p99Ms} ms`)
    .join('; ');
  if (lost > 0) {
    const worst = [...lostOn].sort((x, y) => y[1] - x[1])[0]?.[0] ?? (opts.nodes[1] as string);
    issues.push({
      id: 'live/session-lost-on-switch',
      target: displayUrl(worst),
      message: `Load mode: ${lost} of ${judged} sessions (${pct(lost, judged)}) made on one node were not the same session on the next node (survival ${pct(survived, judged)}; ${opts.sessions} sessions, concurrency ${opts.concurrency}, ${wallMs} ms; ${lat}).`,
    });
  }
  if (stats.logout && stats.logout.stale > 0) {
    const worst = [...staleOn].sort((x, y) => y[1] - x[1])[0]?.[0] as string;
    issues.push({
      id: 'live/logout-not-propagated',
      target: displayUrl(worst),
      message: `Load mode: after logout (${opts.logoutPath}) on the node that made them, ${stats.logout.stale} of ${stats.logout.checked} sessions were still served as authenticated by the other node (${opts.authPath}): a per-node session cache is not invalidated on logout.`,
    });
  }
  return { issues, stats };
}

function sameCsrf(ra: HttpResult, rb: HttpResult, appKey: string | undefined): boolean {
  const a = ra.setCookies.get('XSRF-TOKEN');
  const b = rb.setCookies.get('XSRF-TOKEN');
  if (!a || !b || !appKey) return true;
  const da = decryptLaravelCookie('XSRF-TOKEN', a, appKey);
  const db = decryptLaravelCookie('XSRF-TOKEN', b, appKey);
  return !(da.ok && db.ok) || da.value === db.value;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const pct = (x: number, of: number) => (of ? `${((100 * x) / of).toFixed(1)} %` : 'n/a');

/** One line for stderr / the pretty report: throughput and latency. */
export function describeLoad(s: LoadStats): string {
  const nodes = Object.entries(s.perNode)
    .map(([n, l]) => `${n}: ${l.requests} req, p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms`)
    .join('; ');
  return `${s.sessions} sessions, concurrency ${s.concurrency}: ${s.survived}/${s.judged} survived (${s.survivalRate === null ? 'n/a' : (100 * s.survivalRate).toFixed(1) + ' %'}), ${s.errors} errors, ${s.requests} requests in ${s.wallMs} ms (${s.sessionsPerSecond} sessions/s, ${s.requestsPerSecond} req/s); ${nodes}`;
}
