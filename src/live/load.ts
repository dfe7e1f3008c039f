import type { CookieJar } from 'tough-cookie';
import { NodeAnswerError } from './errors.js';
import { decryptLaravelCookie } from './laravel-cookie.js';
import { joinUrl, LiveHttp, NodeUnreachableError, type HttpResult, type RequestInit } from './http.js';
import { displayUrl } from './redact.js';
import type { LiveIssue } from './report.js';
import { classifyAuth, detectSessionCookie, doLogin, logoutInit, replayAfterLogout, sessionIdentity, type ScenarioOptions } from './scenario.js';

/** The single switch scenario's options, plus how many sessions and how many at a time. */
export interface LoadOptions extends ScenarioOptions {
  sessions: number;
  concurrency: number;
}

export interface NodeLatency {
  requests: number;
  /** Requests that got no usable answer (network error, timeout, 5xx, refused redirect). */
  errors: number;
  /** Answers with a 5xx status (part of `errors`). */
  serverErrors: number;
  /** Bodies cut at MAX_BODY_BYTES. */
  truncatedBodies: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface LoadStats {
  sessions: number;
  concurrency: number;
  /** Sessions whose survival on the other node was decided (survived + lost): the survival rate's base. */
  judged: number;
  survived: number;
  lost: number;
  /** Sessions that got an answer that decides nothing (encrypted cookie without APP_KEY, unexpected status, no cookie). */
  unknown: number;
  /** Sessions that failed on a network error, a timeout or a 5xx before they were decided. */
  errors: number;
  /** Sessions not started because a node they needed had given no usable answer for `giveUpAfterMs`. */
  notRun: number;
  survivalRate: number | null;
  /** Why sessions errored or were undecided, per node: reason -> count. */
  notCheckedReasons: Record<string, Record<string, number>>;
  /** Nodes load mode stopped sending to, and why. */
  gaveUp: Record<string, string>;
  giveUpAfterMs: number;
  /** With --logout-path: sessions still served by another node after logout on the node that made them. */
  logout: { checked: number; stale: number; notChecked: number } | null;
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

type Outcome = 'survived' | 'lost' | 'unknown' | 'error' | 'not-run';
type LogoutOutcome = 'ok' | 'stale' | 'not-checked' | null;

/** A node answered 5xx: the session is not lost, it could not be checked. */
class ServerError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** The session was not started: a node it needs was given up. */
class NotRun extends Error {}

/** Load mode stops sending to a node that has given no usable answer for this long (bounds the run when a node hangs). */
export function giveUpAfter(timeoutMs: number): number {
  return Math.max(3 * timeoutMs, 1000);
}

/**
 * Load mode: `sessions` independent browsers, `concurrency` at a time. Session i is made on node i mod k
 * and verified on node i+1 mod k (the auth page with a login, else the session cookie's identity);
 * with a logout path it then logs out on the first node and replays the old cookie on the second.
 * Errors, timeouts and 5xx answers are counted per node and reason: they are part of the verdict.
 */
export async function runLoad(opts: LoadOptions): Promise<{ issues: LiveIssue[]; stats: LoadStats }> {
  const http = new LiveHttp(opts.timeoutMs, opts.ca, opts.nodes);
  try {
    return await load(opts, http);
  } finally {
    http.close();
  }
}

async function load(opts: LoadOptions, http: LiveHttp): Promise<{ issues: LiveIssue[]; stats: LoadStats }> {
  const latencies = new Map<string, number[]>(opts.nodes.map((n) => [n, []]));
  const perNodeCounts = new Map<string, { errors: number; serverErrors: number; truncated: number }>(opts.nodes.map((n) => [n, { errors: 0, serverErrors: 0, truncated: 0 }]));
  const reasons = new Map<string, Map<string, number>>();
  const lostOn = new Map<string, number>();
  const staleOn = new Map<string, number>();
  const serverStatuses = new Map<string, Map<number, number>>();
  const giveUpAfterMs = giveUpAfter(opts.timeoutMs);
  const failingSince = new Map<string, number>();
  const gaveUp = new Map<string, string>();
  let cookieName = opts.cookieName;
  let requests = 0;
  /** Errors already counted (per node and reason) where the request failed. */
  const counted = new WeakSet<object>();

  const countReason = (node: string, reason: string) => {
    const m = reasons.get(node) ?? new Map<string, number>();
    m.set(reason, (m.get(reason) ?? 0) + 1);
    reasons.set(node, m);
  };
  const failed = (node: string, reason: string) => {
    const c = perNodeCounts.get(node);
    if (c) c.errors++;
    const since = failingSince.get(node) ?? Date.now();
    failingSince.set(node, since);
    if (!gaveUp.has(node) && Date.now() - since >= giveUpAfterMs) gaveUp.set(node, `no usable answer for ${Date.now() - since} ms (last: ${reason})`);
  };

  const call = async (jar: CookieJar | null, node: string, path: string, init?: RequestInit): Promise<HttpResult> => {
    if (gaveUp.has(node)) throw new NotRun(node);
    requests++;
    let res: HttpResult;
    try {
      res = await http.request(jar ?? http.newJar(), joinUrl(node, path), init);
    } catch (e) {
      // Counted here, against the node the request went to (NodeAnswerError: a refused redirect, a loop).
      const reason = e instanceof NodeUnreachableError ? e.reason : e instanceof NodeAnswerError ? e.message : `internal error: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
      failed(node, reason);
      countReason(node, reason);
      if (e instanceof Error) counted.add(e);
      throw e;
    }
    for (const v of res.setCookies.values()) opts.redactor.add(v);
    latencies.get(node)?.push(res.ms);
    const c = perNodeCounts.get(node);
    if (res.truncated && c) c.truncated++;
    if (res.status >= 500) {
      if (c) c.serverErrors++;
      const s = serverStatuses.get(node) ?? new Map<number, number>();
      s.set(res.status, (s.get(res.status) ?? 0) + 1);
      serverStatuses.set(node, s);
      failed(node, `HTTP ${res.status}`);
      countReason(node, `HTTP ${res.status}`);
      const e = new ServerError(res.status);
      counted.add(e);
      throw e;
    }
    failingSince.delete(node);
    return res;
  };

  /** Whether the session made on `a` is the same session on `b`. */
  const survival = async (jar: CookieJar, a: string, b: string): Promise<{ outcome: Outcome; where: string; reason?: string }> => {
    const made = opts.loginPath ? await doLogin(call, jar, a, opts) : await call(jar, a, opts.path, { followRedirects: true });
    if (opts.authPath) {
      const auth = await call(jar, b, opts.authPath);
      const answer = classifyAuth(auth.status);
      if (answer === 'authenticated') return { outcome: 'survived', where: b };
      if (answer === 'not-authenticated') return { outcome: 'lost', where: b };
      return { outcome: 'unknown', where: b, reason: `unexpected HTTP ${auth.status} on ${opts.authPath}` };
    }
    cookieName ??= detectSessionCookie([...made.setCookies.keys()]);
    const va = cookieName ? made.setCookies.get(cookieName) : undefined;
    if (!cookieName || va === undefined) return { outcome: 'unknown', where: a, reason: `no session cookie on GET ${opts.path}` };
    const ia = sessionIdentity(cookieName, va, opts.appKey);
    if (ia.kind !== 'id') return { outcome: 'unknown', where: a, reason: ia.kind === 'opaque' ? 'encrypted cookie, no APP_KEY' : `APP_KEY does not decrypt the cookie (${ia.reason})` };
    const rb = await call(jar, b, opts.path, { followRedirects: true });
    const vb = rb.setCookies.get(cookieName);
    if (vb === undefined) return rb.status < 400 ? { outcome: 'survived', where: b } : { outcome: 'unknown', where: b, reason: `HTTP ${rb.status} without a cookie on GET ${opts.path}` };
    const ib = sessionIdentity(cookieName, vb, opts.appKey);
    if (ib.kind === 'undecryptable') return { outcome: 'lost', where: b };
    if (ib.kind !== 'id') return { outcome: 'unknown', where: b, reason: 'encrypted cookie, no APP_KEY' };
    return { outcome: ia.id === ib.id && sameCsrf(made, rb, opts.appKey) ? 'survived' : 'lost', where: b };
  };

  const logout = async (jar: CookieJar, a: string, b: string): Promise<LogoutOutcome> => {
    const authPath = opts.authPath as string;
    const before = await http.cookies(jar, joinUrl(a, authPath));
    const old = [...before].map(([k, v]) => `${k}=${v}`).join('; ');
    await call(jar, a, opts.logoutPath as string, logoutInit(opts, before.get('XSRF-TOKEN')));
    const replay = await replayAfterLogout(() => call(null, b, authPath, { headers: { cookie: old } }));
    const answer = classifyAuth(replay.status);
    if (answer === 'authenticated') {
      staleOn.set(b, (staleOn.get(b) ?? 0) + 1);
      return 'stale';
    }
    if (answer === 'not-authenticated') return 'ok';
    countReason(b, `unexpected HTTP ${replay.status} on ${authPath} after logout`);
    return 'not-checked';
  };

  const one = async (i: number): Promise<{ outcome: Outcome; logout: LogoutOutcome }> => {
    const a = opts.nodes[i % opts.nodes.length] as string;
    const b = opts.nodes[(i + 1) % opts.nodes.length] as string;
    if (gaveUp.has(a) || gaveUp.has(b)) return { outcome: 'not-run', logout: null };
    const jar = http.newJar();
    let outcome: Outcome;
    try {
      const r = await survival(jar, a, b);
      outcome = r.outcome;
      if (r.outcome === 'lost') lostOn.set(b, (lostOn.get(b) ?? 0) + 1);
      if (r.outcome === 'unknown') countReason(r.where, r.reason ?? 'undecided');
    } catch (e) {
      if (e instanceof NotRun) return { outcome: 'not-run', logout: null };
      if (!counted.has(e as object)) countReason(a, `internal error: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
      return { outcome: 'error', logout: null };
    }
    if (outcome !== 'survived' || !opts.logoutPath || !opts.authPath) return { outcome, logout: null };
    try {
      return { outcome, logout: await logout(jar, a, b) };
    } catch (e) {
      if (!(e instanceof NotRun) && !counted.has(e as object)) countReason(a, `internal error: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
      return { outcome, logout: 'not-checked' };
    }
  };

  const outcomes: { outcome: Outcome; logout: LogoutOutcome }[] = new Array(opts.sessions);
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

  const count = (o: Outcome) => outcomes.filter((x) => x.outcome === o).length;
  const survived = count('survived');
  const lost = count('lost');
  const unknownCount = count('unknown');
  const errors = count('error');
  const notRun = count('not-run');
  const judged = survived + lost;
  const perNode: Record<string, NodeLatency> = {};
  for (const [node, list] of latencies) {
    const s = [...list].sort((x, y) => x - y);
    const c = perNodeCounts.get(node) ?? { errors: 0, serverErrors: 0, truncated: 0 };
    perNode[displayUrl(node)] = { requests: s.length + c.errors - c.serverErrors, errors: c.errors, serverErrors: c.serverErrors, truncatedBodies: c.truncated, p50Ms: percentile(s, 50), p95Ms: percentile(s, 95), p99Ms: percentile(s, 99), maxMs: s[s.length - 1] ?? 0 };
  }
  const withLogout = !!(opts.logoutPath && opts.authPath);
  const logoutStats = withLogout
    ? { checked: outcomes.filter((o) => o.logout === 'ok' || o.logout === 'stale').length, stale: outcomes.filter((o) => o.logout === 'stale').length, notChecked: outcomes.filter((o) => o.logout === 'not-checked').length }
    : null;
  const notCheckedReasons = Object.fromEntries([...reasons].map(([n, m]) => [displayUrl(n), Object.fromEntries(m)]));
  const stats: LoadStats = {
    sessions: opts.sessions,
    concurrency: opts.concurrency,
    judged,
    survived,
    lost,
    unknown: unknownCount,
    errors,
    notRun,
    survivalRate: judged ? survived / judged : null,
    notCheckedReasons,
    gaveUp: Object.fromEntries([...gaveUp].map(([n, why]) => [displayUrl(n), why])),
    giveUpAfterMs,
    logout: logoutStats,
    requests,
    wallMs,
    // Sessions that were not started would inflate the rate.
    sessionsPerSecond: round1((opts.sessions - notRun) / (Math.max(1, wallMs) / 1000)),
    requestsPerSecond: round1(requests / (Math.max(1, wallMs) / 1000)),
    perNode,
  };

  const issues: LiveIssue[] = [];
  const lat = Object.entries(perNode)
    .map(([n, l]) => `${n} p50 ${l.p50Ms} ms / p95 ${l.p95Ms} ms / p99 ${l.p99Ms} ms`)
    .join('; ');
  const worstOf = (m: Map<string, number>) => [...m].sort((x, y) => y[1] - x[1])[0]?.[0];
  if (lost > 0) {
    const worst = worstOf(lostOn) ?? (opts.nodes[1] as string);
    issues.push({
      id: 'live/session-lost-on-switch',
      target: displayUrl(worst),
      message: `Load mode: ${lost} of ${judged} sessions (${pct(lost, judged)}) made on one node were not the same session on the next node (survival ${pct(survived, judged)} of the ${judged} checked; ${opts.sessions} sessions, concurrency ${opts.concurrency}, ${wallMs} ms; ${lat}).`,
    });
  }
  if (logoutStats && logoutStats.stale > 0) {
    const worst = worstOf(staleOn) as string;
    issues.push({
      id: 'live/logout-not-propagated',
      target: displayUrl(worst),
      message: `Load mode: after logout (${opts.logoutPath}) on the node that made them, ${logoutStats.stale} of ${logoutStats.checked} sessions were still served as authenticated by the other node (${opts.authPath}): a per-node session cache is not invalidated on logout.`,
    });
  }
  // A 5xx is the node failing, not the session being lost: its own finding, with the statuses.
  for (const [node, statuses] of serverStatuses) {
    const total = [...statuses.values()].reduce((x, y) => x + y, 0);
    issues.push({
      id: 'live/node-error',
      target: displayUrl(node),
      message: `Load mode: ${displayUrl(node)} answered ${total} request${total === 1 ? '' : 's'} with a server error (${[...statuses].map(([s, n]) => `${n} x ${s}`).join(', ')}): the sessions involved were not checked.`,
    });
  }
  const notChecked = errors + unknownCount + notRun;
  const logoutNotChecked = logoutStats?.notChecked ?? 0;
  if (notChecked > 0 || logoutNotChecked > 0) {
    const worst = worstOf(new Map([...reasons].map(([n, m]) => [n, [...m.values()].reduce((x, y) => x + y, 0)]))) ?? [...gaveUp.keys()][0] ?? (opts.nodes[1] as string);
    const why = Object.entries(notCheckedReasons)
      .map(([n, m]) => `${n}: ${Object.entries(m).map(([r, c]) => `${c} x ${r}`).join(', ')}`)
      .join('; ');
    const parts = [errors && `${errors} errored`, unknownCount && `${unknownCount} undecided`, notRun && `${notRun} not run`].filter(Boolean).join(', ');
    const stopped = gaveUp.size ? ` Load mode stopped sending to ${[...gaveUp].map(([n, w]) => `${displayUrl(n)} (${w})`).join(', ')}.` : '';
    const logoutPart = logoutNotChecked ? ` The logout check could not be completed for ${logoutNotChecked} of the sessions that survived.` : '';
    issues.push({
      id: 'live/check-incomplete',
      target: displayUrl(worst),
      message: `Load mode: ${notChecked ? `${notChecked} of ${opts.sessions} sessions could not be checked (${parts})` : `all ${opts.sessions} sessions were checked`}; ${judged} were checked${judged ? ` (${survived} survived, ${lost} lost)` : ''}.${logoutPart}${stopped}${why ? ` Reasons: ${why}.` : ''} The survival rate covers only the checked sessions.`,
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

/** One line for stderr / the pretty report: what was checked, throughput and latency. */
export function describeLoad(s: LoadStats): string {
  const nodes = Object.entries(s.perNode)
    .map(([n, l]) => `${n}: ${l.requests} req${l.errors ? ` (${l.errors} failed)` : ''}, p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms`)
    .join('; ');
  const rate = s.survivalRate === null ? 'n/a' : (100 * s.survivalRate).toFixed(1) + ' %';
  const notChecked = [s.errors && `${s.errors} errored`, s.unknown && `${s.unknown} undecided`, s.notRun && `${s.notRun} not run`].filter(Boolean).join(', ');
  return `${s.sessions} sessions, concurrency ${s.concurrency}: ${s.judged}/${s.sessions} checked, ${s.survived}/${s.judged} survived (${rate}), ${notChecked || '0 errors'}; ${s.requests} requests in ${s.wallMs} ms (${s.sessionsPerSecond} sessions/s, ${s.requestsPerSecond} req/s); ${nodes}`;
}
