import type { CookieJar } from 'tough-cookie';
import { NodeAnswerError, TargetUnreachableError } from './errors.js';
import { decryptLaravelCookie } from './laravel-cookie.js';
import { joinUrl, LiveHttp, MAX_BODY_BYTES, type HttpResult, type RequestInit } from './http.js';
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
  /** What the report should say without it being a finding (truncated bodies), keyed by node. */
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

/** What an answer of the --auth-path page says: 2xx in, a redirect/401/403 out, 5xx a broken node, anything else undecided. */
export type AuthAnswer = 'authenticated' | 'not-authenticated' | 'node-error' | 'unexpected';

export function classifyAuth(status: number): AuthAnswer {
  if (status >= 200 && status < 300) return 'authenticated';
  if (status >= 500) return 'node-error';
  if ((status >= 300 && status < 400) || status === 401 || status === 403) return 'not-authenticated';
  return 'unexpected';
}

const describe = (r: HttpResult) => (r.location ? `${r.status} -> ${r.location}` : String(r.status));

export async function runSwitchScenario(opts: ScenarioOptions): Promise<ScenarioResult> {
  const http = new LiveHttp(opts.timeoutMs, opts.ca, opts.nodes);
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
  const truncatedSeen = new Set<string>();
  const [nodeA, ...others] = opts.nodes;
  if (!nodeA) return { issues, notes, observations };

  const call = async (jar: CookieJar, node: string, path: string, init?: RequestInit) => {
    const res = await http.request(jar, joinUrl(node, path), init);
    for (const v of res.setCookies.values()) opts.redactor.add(v);
    if (res.serverDate !== null) clock.set(node, [...(clock.get(node) ?? []), res.serverDate - res.localMidpoint]);
    if (res.truncated && !truncatedSeen.has(`${node} ${path}`)) {
      truncatedSeen.add(`${node} ${path}`);
      notes.push({ file: displayUrl(node), message: `the body of ${init?.method ?? 'GET'} ${path} was longer than ${MAX_BODY_BYTES} bytes: statelint read the first ${MAX_BODY_BYTES} bytes and dropped the connection` });
    }
    return res;
  };
  const nodeError = (node: string, message: string) => issues.push({ id: 'live/node-error', target: displayUrl(node), message });
  const incomplete = (node: string, message: string) => issues.push({ id: 'live/check-incomplete', target: displayUrl(node), message });

  // Every node must answer before anything else is judged: no answer at all is exit 2 (thrown);
  // an answer that is a server error or a redirect loop makes the node's switch checks impossible.
  const broken = new Set<string>();
  for (const node of opts.nodes) {
    const n = displayUrl(node);
    try {
      const r = await call(http.newJar(), node, opts.path, { followRedirects: true });
      if (r.status >= 500) {
        broken.add(node);
        nodeError(node, `${n} answered ${r.status} to GET ${opts.path} (a server error, not a lost session): it does not serve the page that starts a session, so the switch checks with this node did not run.`);
      }
    } catch (e) {
      if (!(e instanceof NodeAnswerError)) throw e;
      broken.add(node);
      nodeError(node, `${e.message}; the switch checks with this node did not run.`);
    }
  }

  for (const nodeB of others) {
    if (broken.has(nodeA) || broken.has(nodeB)) continue; // the node-error finding says these did not run
    const a = displayUrl(nodeA);
    const b = displayUrl(nodeB);
    const pair: Record<string, unknown> = {};
    observations[`${a} -> ${b}`] = pair;
    try {
      const first = await checkPair(opts, http, call, nodeA, nodeB, pair, { issues, nodeError, incomplete });
      firstSession ??= first;
    } catch (e) {
      // A node that stops answering mid-check: the pair is not decided, the report still comes out.
      if (!(e instanceof TargetUnreachableError || e instanceof NodeAnswerError)) throw e;
      pair.stopped = e.message;
      incomplete(nodeB, `The switch check ${a} -> ${b} stopped: ${e.message}. Whether sessions survive this switch was not decided.`);
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

type Call = (jar: CookieJar, node: string, path: string, init?: RequestInit) => Promise<HttpResult>;

interface Sink {
  issues: LiveIssue[];
  nodeError(node: string, message: string): void;
  incomplete(node: string, message: string): void;
}

/**
 * One switch A -> B: the session cookie's identity, then (with --login-path/--auth-path) the login and
 * the logout. Every check either decides, reports a finding that says why it could not (node error),
 * or ends in live/check-incomplete: nothing undecided is left looking like a pass.
 */
async function checkPair(opts: ScenarioOptions, http: LiveHttp, call: Call, nodeA: string, nodeB: string, pair: Record<string, unknown>, sink: Sink): Promise<ScenarioResult['firstSession']> {
  const a = displayUrl(nodeA);
  const b = displayUrl(nodeB);
  let firstSession: ScenarioResult['firstSession'];
  /** Survival across the switch was decided (kept or not), or a finding already says why it could not be. */
  let settled = false;
  const undecided: string[] = [];
  const reportedOnB = () => sink.issues.some((i) => i.target === b && i.id !== 'live/clock-skew');

  // 1. Session identity across the switch.
  const jar = http.newJar();
  const ra = await call(jar, nodeA, opts.path, { followRedirects: true });
  const name = opts.cookieName ?? detectSessionCookie([...ra.setCookies.keys()]);
  const valueA = name ? ra.setCookies.get(name) : undefined;
  if (ra.status >= 500) {
    sink.nodeError(nodeA, `${a} answered ${ra.status} to GET ${opts.path} (a server error): the session switch to ${b} could not be checked.`);
    settled = true;
  } else if (!name || valueA === undefined) {
    undecided.push(`GET ${opts.path} on ${a} set no session cookie${name ? ` named ${name}` : ''} (use --path or --cookie)`);
  } else {
    pair.cookie = name;
    const idA = sessionIdentity(name, valueA, opts.appKey);
    if (idA.kind === 'undecryptable') {
      pair.sessionKept = 'unknown (the APP_KEY does not decrypt the cookie)';
      undecided.push(`the APP_KEY statelint was given cannot decrypt the ${name} cookie ${a} issued (${idA.reason}): pass the nodes' APP_KEY with --app-key`);
    } else if (idA.kind === 'opaque') {
      pair.sessionKept = 'unknown (encrypted cookie; pass --app-key)';
      undecided.push(`the ${name} cookie is encrypted and no APP_KEY was given (pass --app-key, or the project path to read it from)`);
    } else {
      firstSession = { node: nodeA, id: idA.id, cookie: name };
      const rb = await call(jar, nodeB, opts.path, { followRedirects: true });
      const valueB = rb.setCookies.get(name);
      const idB = valueB === undefined ? null : sessionIdentity(name, valueB, opts.appKey);
      if (rb.status >= 500) {
        pair.sessionKept = `unknown (${b} answered ${rb.status})`;
        sink.nodeError(nodeB, `${b} answered ${rb.status} to GET ${opts.path} with the session cookie ${a} issued: a server error, not a lost session. The switch ${a} -> ${b} could not be checked.`);
        settled = true;
      } else if (idB === null) {
        // B kept the cookie as it was: it knew the session (express-session re-sends nothing for a known session).
        if (rb.status < 400) {
          pair.sessionKept = true;
          settled = true;
        } else {
          undecided.push(`${b} answered ${rb.status} to GET ${opts.path} and set no cookie`);
        }
      } else if (idB.kind === 'undecryptable') {
        pair.sessionKept = false;
        settled = true;
        sink.issues.push({
          id: 'live/cookie-rejected-by-node',
          target: b,
          message: `${b} could not read the ${name} cookie issued by ${a} and issued its own, which the given APP_KEY cannot decrypt (${idB.reason}): the nodes use different APP_KEYs or ciphers.`,
        });
      } else if (idB.kind === 'id') {
        settled = true;
        if (idA.id !== idB.id) {
          pair.sessionKept = false;
          const laravel = /^eyJ/.test(safeDecode(valueA));
          sink.issues.push(
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
            sink.issues.push({
              id: 'live/session-lost-on-switch',
              target: b,
              message: `${b} kept the session id from ${a} but holds different session data (the CSRF token differs): the session store is not shared between the nodes.`,
            });
          }
        }
      } else {
        pair.sessionKept = 'unknown (encrypted cookie; pass --app-key)';
        undecided.push(`${b} answered with an encrypted ${name} cookie that cannot be read without the APP_KEY`);
      }
    }
  }

  // 2. Login on A, authenticated on B, logout on A no longer authenticated on B.
  if (opts.loginPath && opts.authPath) {
    const lj = http.newJar();
    const login = await doLogin(call, lj, nodeA, opts);
    const authA = await call(lj, nodeA, opts.authPath);
    const loginObs: Record<string, unknown> = { status: describe(login), authOnA: describe(authA) };
    pair.login = loginObs;
    const onA = classifyAuth(authA.status);
    if (login.status >= 500 || onA === 'node-error') {
      const r = login.status >= 500 ? `the login (${opts.loginPath}) answered ${login.status}` : `${opts.authPath} answered ${authA.status} after the login`;
      sink.nodeError(nodeA, `On ${a}, ${r} (a server error): the login and logout checks for ${a} -> ${b} did not run.`);
    } else if (onA !== 'authenticated') {
      sink.incomplete(nodeA, `After logging in through ${opts.loginPath} on ${a}, ${opts.authPath} answered ${describe(authA)} on the same node: the login did not work (check --login-path, --login-field and --auth-path), so the login and logout checks for ${a} -> ${b} did not run.`);
    } else {
      const before = await http.cookies(lj, joinUrl(nodeA, opts.authPath));
      const authB = await call(lj, nodeB, opts.authPath);
      loginObs.authOnB = describe(authB);
      const onB = classifyAuth(authB.status);
      if (onB === 'not-authenticated') {
        settled = true;
        if (!reportedOnB()) {
          sink.issues.push({
            id: 'live/session-lost-on-switch',
            target: b,
            message: `Logged in on ${a}, ${opts.authPath} on ${b} answered ${describe(authB)}: the login is lost when the load balancer switches nodes.`,
          });
        }
      } else if (onB === 'node-error') {
        settled = true;
        sink.nodeError(nodeB, `Logged in on ${a}, ${opts.authPath} on ${b} answered ${authB.status}: a server error, not a lost session. The login and logout checks for ${a} -> ${b} did not run.`);
      } else if (onB === 'unexpected') {
        sink.incomplete(nodeB, `Logged in on ${a}, ${opts.authPath} on ${b} answered ${describe(authB)}, which says neither "logged in" (2xx) nor "logged out" (a redirect, 401 or 403): the login and logout checks for ${a} -> ${b} were not decided.`);
      } else {
        settled = true;
        if (opts.logoutPath) await checkLogout(opts, http, call, lj, nodeA, nodeB, before, loginObs, sink);
      }
    }
  }

  if (!settled && !reportedOnB()) {
    sink.incomplete(nodeB, `Whether a session made on ${a} survives the switch to ${b} was not decided: ${undecided.join('; ') || 'no check ran'}.`);
  }
  return firstSession;
}

async function checkLogout(opts: ScenarioOptions, http: LiveHttp, call: Call, lj: CookieJar, nodeA: string, nodeB: string, before: Map<string, string>, loginObs: Record<string, unknown>, sink: Sink): Promise<void> {
  const a = displayUrl(nodeA);
  const b = displayUrl(nodeB);
  const oldCookies = [...before].map(([k, v]) => `${k}=${v}`).join('; ');
  const lo = await call(lj, nodeA, opts.logoutPath as string, logoutInit(opts, before.get('XSRF-TOKEN')));
  loginObs.logout = describe(lo);
  if (lo.status >= 500) {
    sink.nodeError(nodeA, `The logout (${opts.logoutPath}) on ${a} answered ${lo.status} (a server error): whether logout reaches ${b} was not checked.`);
    return;
  }
  const replay = await replayAfterLogout(() => call(http.newJar(), nodeB, opts.authPath as string, { headers: { cookie: oldCookies } }));
  loginObs.oldCookieOnBAfterLogout = describe(replay);
  const after = classifyAuth(replay.status);
  if (after === 'authenticated') {
    sink.issues.push({
      id: 'live/logout-not-propagated',
      target: b,
      message: `After logout on ${a} (${opts.logoutPath}), ${b} still serves ${opts.authPath} (${replay.status}) for the old session cookie: logout does not end the session everywhere.`,
    });
  } else if (after === 'node-error') {
    sink.nodeError(nodeB, `After logout on ${a}, ${opts.authPath} on ${b} answered ${replay.status} for the old cookie (a server error): whether logout reaches ${b} was not checked.`);
  } else if (after === 'unexpected') {
    sink.incomplete(nodeB, `After logout on ${a}, ${opts.authPath} on ${b} answered ${describe(replay)} for the old cookie, which says neither "logged in" nor "logged out": whether logout reaches ${b} was not decided.`);
  }
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

/**
 * The CSRF token of a login form: a `_token` field, else a `csrf-token` meta tag. The body may be 1 MiB of
 * anything: tags are matched without crossing a `<` or `>` (linear), attributes only inside one tag.
 */
export function csrfTokenIn(body: string): string | undefined {
  let meta: string | undefined;
  const attr = (attrs: string, name: string) => new RegExp(`(?:^|\\s)${name}\\s*=\\s*["']([^"'<>]{1,500})["']`, 'i').exec(attrs)?.[1];
  for (const m of body.matchAll(/<(input|meta)\b([^<>]{0,2000})>/gi)) {
    const tag = (m[1] as string).toLowerCase();
    const attrs = m[2] as string;
    if (tag === 'input' && attr(attrs, 'name') === '_token') {
      const v = attr(attrs, 'value');
      if (v) return v;
    } else if (tag === 'meta' && meta === undefined && attr(attrs, 'name') === 'csrf-token') {
      meta = attr(attrs, 'content');
    }
  }
  return meta;
}

/** GET the login path without fields; with fields, GET it for the CSRF token, then POST the form. */
export async function doLogin(call: Call, jar: CookieJar, node: string, opts: ScenarioOptions): Promise<HttpResult> {
  const path = opts.loginPath as string;
  if (!opts.loginFields || Object.keys(opts.loginFields).length === 0) return call(jar, node, path);
  for (const v of Object.values(opts.loginFields)) opts.redactor.add(v);
  const page = await call(jar, node, path);
  if (page.status >= 500) return page;
  const form: Record<string, string> = { ...opts.loginFields };
  const token = csrfTokenIn(page.body);
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
export function logoutInit(opts: ScenarioOptions, xsrfCookie: string | undefined): RequestInit {
  if (!opts.loginFields || Object.keys(opts.loginFields).length === 0) return { method: 'GET' };
  return { method: 'POST', form: {}, headers: xsrfCookie ? { 'x-xsrf-token': safeDecode(xsrfCookie) } : {} };
}
