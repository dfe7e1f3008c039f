import type { CookieJar } from 'tough-cookie';
import { decryptLaravelCookie } from './laravel-cookie.js';
import { joinUrl, LiveHttp, type HttpResult } from './http.js';
import { displayUrl, type Redactor } from './redact.js';
import type { LiveIssue } from './report.js';

export interface ScenarioOptions {
  nodes: string[];
  path: string;
  cookieName?: string;
  loginPath?: string;
  loginFields?: Record<string, string>;
  authPath?: string;
  logoutPath?: string;
  appKey?: string;
  timeoutMs: number;
  redactor: Redactor;
  /** Extra trusted CA certificates (PEM) for https nodes (--ca). */
  ca?: string[];
}

export interface ScenarioResult {
  issues: LiveIssue[];
  /** Problems that stop a check from running (not findings), keyed by node. */
  notes: { file: string; message: string }[];
  observations: Record<string, unknown>;
  /** The session made on the first node (step 1), when its id is readable: for the store key check. */
  firstSession?: { node: string; id: string; cookie: string };
}

const KNOWN_SESSION_COOKIES = [/^connect\.sid$/, /^laravel_session$/, /_session$/i, /^PHPSESSID$/, /^JSESSIONID$/, /^sid$/, /sess/i];

export function detectSessionCookie(names: string[]): string | undefined {
  for (const re of KNOWN_SESSION_COOKIES) {
    const hit = names.find((n) => re.test(n));
    if (hit) return hit;
  }
  return names.find((n) => n !== 'XSRF-TOKEN');
}

type Identity =
  | { kind: 'id'; id: string }
  | { kind: 'undecryptable'; reason: string }
  | { kind: 'opaque'; value: string };

/** What session a cookie value names: express-session's `s:<id>.<sig>`, a decrypted Laravel id, or the raw value. */
export function sessionIdentity(name: string, raw: string, appKey: string | undefined): Identity {
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    /* keep raw */
  }
  const signed = /^s:([^.]+)\./.exec(decoded);
  if (signed?.[1]) return { kind: 'id', id: signed[1] };
  if (appKey && /^eyJ/.test(decoded)) {
    const d = decryptLaravelCookie(name, raw, appKey);
    return d.ok ? { kind: 'id', id: d.value } : { kind: 'undecryptable', reason: d.reason };
  }
  if (/^eyJ/.test(decoded)) return { kind: 'opaque', value: raw };
  return { kind: 'id', id: decoded };
}

const ok2xx = (r: HttpResult) => r.status >= 200 && r.status < 300;
const describe = (r: HttpResult) => (r.location ? `${r.status} -> ${r.location}` : String(r.status));

export async function runSwitchScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const http = new LiveHttp(opts.timeoutMs, opts.ca);
  try {
    return await switchScenario(opts, http);
  } finally {
    http.close();
  }
}

async function switchScenario(opts: ScenarioOptions, http: LiveHttp): Promise<ScenarioResult> {
  const issues: LiveIssue[] = [];
  const notes: ScenarioResult['notes'] = [];
  const observations: Record<string, unknown> = {};
  let firstSession: ScenarioResult['firstSession'];
  const clock = new Map<string, number[]>();
  const [nodeA, ...others] = opts.nodes;
  if (!nodeA) return { issues, notes, observations };

  const call = async (jar: CookieJar, node: string, path: string, init?: Parameters<LiveHttp['request']>[2]) => {
    const res = await http.request(jar, joinUrl(node, path), init);
    for (const v of res.setCookies.values()) opts.redactor.add(v);
    if (res.serverDate !== null) clock.set(node, [...(clock.get(node) ?? []), res.serverDate - res.localMidpoint]);
    return res;
  };

  // Every node must answer before anything else is judged.
  for (const node of opts.nodes) await call(http.newJar(), node, opts.path);

  for (const nodeB of others) {
    const a = displayUrl(nodeA);
    const b = displayUrl(nodeB);
    const pair: Record<string, unknown> = {};
    observations[`${a} -> ${b}`] = pair;

    // 1. Session identity across the switch.
    const jar = http.newJar();
    const ra = await call(jar, nodeA, opts.path);
    const name = opts.cookieName ?? detectSessionCookie([...ra.setCookies.keys()]);
    const valueA = name ? ra.setCookies.get(name) : undefined;
    if (!name || valueA === undefined) {
      notes.push({ file: a, message: `GET ${opts.path} set no session cookie${name ? ` named ${name}` : ''}; the cookie switch check did not run (use --path or --cookie)` });
    } else {
      pair.cookie = name;
      const idA = sessionIdentity(name, valueA, opts.appKey);
      if (idA.kind === 'id' && !firstSession) firstSession = { node: nodeA, id: idA.id, cookie: name };
      const rb = await call(jar, nodeB, opts.path);
      const valueB = rb.setCookies.get(name);
      const idB = valueB === undefined ? null : sessionIdentity(name, valueB, opts.appKey);
      if (idB === null) {
        pair.sessionKept = true;
      } else if (idB.kind === 'undecryptable' && idA.kind === 'id') {
        pair.sessionKept = false;
        issues.push({
          id: 'live/cookie-rejected-by-node',
          target: b,
          message: `${b} could not read the ${name} cookie issued by ${a} and issued its own, which the given APP_KEY cannot decrypt (${idB.reason}): the nodes use different APP_KEYs or ciphers.`,
        });
      } else if (idA.kind === 'id' && idB.kind === 'id') {
        if (idA.id !== idB.id) {
          pair.sessionKept = false;
          const laravel = /^eyJ/.test(safeDecode(valueA));
          issues.push(
            laravel
              ? { id: 'live/cookie-rejected-by-node', target: b, message: `${b} discarded the ${name} cookie issued by ${a} and started a new session id: the nodes do not share cookie encryption settings (APP_KEY, cipher or cookie name).` }
              : { id: 'live/session-lost-on-switch', target: b, message: `The session started on ${a} (GET ${opts.path}) is unknown on ${b}: it answered with a new ${name} session id, so the session lives only on ${a}.` },
          );
        } else {
          pair.sessionKept = true;
          const csrfA = xsrf(ra, opts.appKey);
          const csrfB = xsrf(rb, opts.appKey);
          if (csrfA && csrfB && csrfA !== csrfB) {
            pair.sessionKept = false;
            issues.push({
              id: 'live/session-lost-on-switch',
              target: b,
              message: `${b} kept the session id from ${a} but holds different session data (the CSRF token differs): the session store is not shared between the nodes.`,
            });
          }
        }
      } else {
        pair.sessionKept = 'unknown (encrypted cookie; pass --app-key)';
      }
    }

    // 2. Login on A, authenticated on B, logout on A no longer authenticated on B.
    if (opts.loginPath && opts.authPath) {
      const lj = http.newJar();
      const login = await doLogin(call, lj, nodeA, opts);
      const authA = await call(lj, nodeA, opts.authPath);
      pair.login = { status: describe(login), authOnA: describe(authA) };
      if (!ok2xx(authA)) {
        notes.push({ file: a, message: `after logging in through ${opts.loginPath}, ${opts.authPath} answered ${describe(authA)} on the same node; the login checks did not run` });
      } else {
        const before = await http.cookies(lj, joinUrl(nodeA, opts.authPath));
        const authB = await call(lj, nodeB, opts.authPath);
        (pair.login as Record<string, unknown>).authOnB = describe(authB);
        if (!ok2xx(authB)) {
          if (!issues.some((i) => i.target === b && i.id !== 'live/clock-skew')) {
            issues.push({
              id: 'live/session-lost-on-switch',
              target: b,
              message: `Logged in on ${a}, ${opts.authPath} on ${b} answered ${describe(authB)}: the login is lost when the load balancer switches nodes.`,
            });
          }
        } else if (opts.logoutPath) {
          const oldCookies = [...before].map(([k, v]) => `${k}=${v}`).join('; ');
          const lo = await call(lj, nodeA, opts.logoutPath, logoutInit(opts, before.get('XSRF-TOKEN')));
          const replay = await replayAfterLogout(() => call(http.newJar(), nodeB, opts.authPath!, { headers: { cookie: oldCookies } }));
          (pair.login as Record<string, unknown>).logout = describe(lo);
          (pair.login as Record<string, unknown>).oldCookieOnBAfterLogout = describe(replay);
          if (ok2xx(replay)) {
            issues.push({
              id: 'live/logout-not-propagated',
              target: b,
              message: `After logout on ${a} (${opts.logoutPath}), ${b} still serves ${opts.authPath} (${replay.status}) for the old session cookie: logout does not end the session everywhere.`,
            });
          }
        }
      }
    }
  }

  // 3. Clock skew between nodes (Date headers, 1 s resolution).
  const offsets = new Map<string, number>();
  for (const [node, list] of clock) offsets.set(node, median(list));
  const base = offsets.get(nodeA);
  observations.clockOffsetsMs = Object.fromEntries([...offsets].map(([n, o]) => [displayUrl(n), o]));
  if (base !== undefined) {
    for (const nodeB of others) {
      const o = offsets.get(nodeB);
      if (o === undefined) continue;
      const diff = o - base;
      if (Math.abs(diff) > 2000) {
        issues.push({
          id: 'live/clock-skew',
          target: displayUrl(nodeB),
          message: `The clock of ${displayUrl(nodeB)} is ${(Math.abs(diff) / 1000).toFixed(0)} s ${diff > 0 ? 'ahead of' : 'behind'} ${displayUrl(nodeA)} (Date headers): sessions and tokens expire at different times on different nodes.`,
        });
      }
    }
  }
  return { issues, notes, observations, firstSession };
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

function xsrf(r: HttpResult, appKey: string | undefined): string | null {
  const raw = r.setCookies.get('XSRF-TOKEN');
  if (!raw || !appKey) return null;
  const d = decryptLaravelCookie('XSRF-TOKEN', raw, appKey);
  return d.ok ? d.value : null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] ?? 0;
}

type Call = (jar: CookieJar, node: string, path: string, init?: Parameters<LiveHttp['request']>[2]) => Promise<HttpResult>;

/** GET the login path without fields; with fields, GET it for the CSRF token, then POST the form. */
export async function doLogin(call: Call, jar: CookieJar, node: string, opts: ScenarioOptions): Promise<HttpResult> {
  const path = opts.loginPath as string;
  if (!opts.loginFields || Object.keys(opts.loginFields).length === 0) return call(jar, node, path);
  for (const v of Object.values(opts.loginFields)) opts.redactor.add(v);
  const page = await call(jar, node, path);
  const form: Record<string, string> = { ...opts.loginFields };
  const token = /name=["']_token["'][^>]*value=["']([^"']+)["']/.exec(page.body)?.[1] ?? /<meta[^>]+name=["']csrf-token["'][^>]+content=["']([^"']+)["']/.exec(page.body)?.[1];
  if (token && !form._token) form._token = token;
  const xsrfCookie = page.setCookies.get('XSRF-TOKEN');
  return call(jar, node, path, { method: 'POST', form, headers: xsrfCookie ? { 'x-xsrf-token': safeDecode(xsrfCookie) } : {} });
}

/**
 * Logout reaches other nodes through the store or a broadcast, which takes a moment: a replay that
 * still succeeds is tried once more after a short grace period before it counts as not propagated.
 */
export const LOGOUT_GRACE_MS = 250;

export async function replayAfterLogout<T extends { status: number }>(replay: () => Promise<T>): Promise<T> {
  const first = await replay();
  if (first.status < 200 || first.status >= 300) return first;
  await new Promise((r) => setTimeout(r, LOGOUT_GRACE_MS));
  return replay();
}

/** With a form login the logout is a POST too (Laravel's default), carrying the XSRF token from the jar. */
export function logoutInit(opts: ScenarioOptions, xsrfCookie: string | undefined): Parameters<LiveHttp['request']>[2] {
  if (!opts.loginFields || Object.keys(opts.loginFields).length === 0) return { method: 'GET' };
  return { method: 'POST', form: {}, headers: xsrfCookie ? { 'x-xsrf-token': safeDecode(xsrfCookie) } : {} };
}
