import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { Cookie, CookieJar } from 'tough-cookie';
import { NodeAnswerError, reasonOf, TargetUnreachableError, timeoutError } from './errors.js';
import { displayUrl } from './redact.js';
import { certificateProblem, trustedCas } from './tls.js';

/** At most this much of a response body is read (after decompression); the rest is abandoned. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A GET that follows redirects gives up after this many hops (a redirect loop). */
export const MAX_REDIRECTS = 5;

export interface HttpResult {
  url: string;
  status: number;
  location: string | null;
  /** Cookies this response (and the redirects before it) set, by name (raw value as sent, possibly %-encoded). */
  setCookies: Map<string, string>;
  body: string;
  /** The body was longer than MAX_BODY_BYTES: `body` holds the first MAX_BODY_BYTES, the rest was not read. */
  truncated: boolean;
  /** Server clock from the Date header (ms since epoch), and the local clock halfway through the call. */
  serverDate: number | null;
  localMidpoint: number;
  ms: number;
}

export interface RequestInit {
  method?: 'GET' | 'POST';
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** GET only: follow up to MAX_REDIRECTS redirects, each to a named node (like a browser opening the page). */
  followRedirects?: boolean;
}

/** A response as read off the wire (body decoded when gzip/deflate/br, at most MAX_BODY_BYTES). */
interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  truncated: boolean;
}

/** A network failure talking to a node: the exit-2 sentence plus the short reason (for load-mode counts). */
export class NodeUnreachableError extends TargetUnreachableError {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

/**
 * node:http(s) with a per-call timeout (connect + response + body), keep-alive agents and a
 * tough-cookie jar (one jar = one browser). Requests go only to the origins of the named nodes: any
 * other URL, including a redirect target, is refused before a socket is opened. Bodies are read up to
 * MAX_BODY_BYTES. https verifies certificates against Node's public roots plus `ca` (--ca FILE);
 * verification is never turned off.
 */
export class LiveHttp {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  /** For a resend after a kept-alive socket was closed under us: always a new connection. */
  private readonly freshHttpAgent: http.Agent;
  private readonly freshHttpsAgent: https.Agent;
  private readonly origins: Set<string>;

  constructor(
    private readonly timeoutMs: number,
    ca: string[] | undefined,
    nodes: string[],
  ) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256, ca: trustedCas(ca), rejectUnauthorized: true });
    this.freshHttpAgent = new http.Agent({ keepAlive: false });
    this.freshHttpsAgent = new https.Agent({ keepAlive: false, ca: trustedCas(ca), rejectUnauthorized: true });
    this.origins = new Set(nodes.map((n) => new URL(n).origin));
  }

  newJar(): CookieJar {
    return new CookieJar(undefined, { looseMode: true });
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.freshHttpAgent.destroy();
    this.freshHttpsAgent.destroy();
  }

  /** Throws unless `url` is on a named node. */
  private allowed(url: string, from: string): URL {
    const u = new URL(url);
    if (!this.origins.has(u.origin)) {
      throw new NodeAnswerError(`${from} pointed statelint to ${displayUrl(u.origin)}, which is not a node named with --node: the request was not sent`);
    }
    return u;
  }

  /** One request within `ms`; an error says whether it happened on a kept-alive socket before any answer. */
  private send(u: URL, method: string, headers: Record<string, string>, body: string | undefined, ms: number, fresh: boolean): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const secure = u.protocol === 'https:';
      const mod = secure ? https : http;
      let settled = false;
      const finish = (err: Error | null, res?: RawResponse) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(res as RawResponse);
      };
      const agent = fresh ? (secure ? this.freshHttpsAgent : this.freshHttpAgent) : secure ? this.httpsAgent : this.httpAgent;
      const req = mod.request(u, { method, headers, agent }, (res) => {
        const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
        let stream: NodeJS.ReadableStream = res;
        if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(zlib.createGunzip());
        else if (encoding === 'deflate') stream = res.pipe(zlib.createInflate());
        else if (encoding === 'br') stream = res.pipe(zlib.createBrotliDecompress());
        const chunks: Buffer[] = [];
        let size = 0;
        const done = (truncated: boolean) => finish(null, { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), truncated });
        stream.on('data', (c: Buffer) => {
          if (settled) return;
          const room = MAX_BODY_BYTES - size;
          if (c.length <= room) {
            chunks.push(c);
            size += c.length;
            return;
          }
          // Too big (or a decompression bomb): keep what fits, drop the connection instead of reading on.
          chunks.push(c.subarray(0, room));
          size = MAX_BODY_BYTES;
          done(true);
          if (stream !== res) (stream as zlib.Gunzip).destroy();
          req.destroy();
        });
        stream.on('end', () => done(false));
        stream.on('error', (e: Error) => finish(e));
        res.on('error', (e: Error) => finish(e));
        // A server that drops the connection mid-body: fail now rather than at the timeout.
        res.on('close', () => {
          if (!res.complete) finish(Object.assign(new Error('connection closed before the body ended'), { code: 'ECONNRESET' }));
        });
      });
      const timer = setTimeout(() => {
        const e = timeoutError(this.timeoutMs);
        req.destroy(e);
        finish(e);
      }, ms);
      req.on('error', (e) => finish(Object.assign(e, { reusedSocket: req.reusedSocket && !answered })));
      let answered = false;
      req.on('response', () => (answered = true));
      req.end(body);
    });
  }

  async request(jar: CookieJar, url: string, init: RequestInit = {}): Promise<HttpResult> {
    const who = `node ${displayUrl(new URL(url).origin)}`;
    let current = this.allowed(url, `the request to ${who}`);
    const method = init.method ?? 'GET';
    const follow = init.followRedirects === true && method === 'GET';
    const setCookies = new Map<string, string>();
    const started = Date.now();
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': 'statelint-live', accept: 'text/html,application/json', 'accept-encoding': 'gzip, deflate, br', ...init.headers };
      const cookie = await jar.getCookieString(current.href);
      if (cookie && !init.headers?.cookie) headers.cookie = cookie;
      let body: string | undefined;
      if (init.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = new URLSearchParams(init.form).toString();
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      let res: RawResponse | undefined;
      const deadline = Date.now() + this.timeoutMs;
      // A kept-alive socket the server closed just as it was reused fails before the server read the
      // request (Node's documented keep-alive race): resend once, on a new connection, within the same timeout.
      for (let attempt = 1; !res; attempt++) {
        try {
          res = await this.send(current, method, headers, body, Math.max(1, deadline - Date.now()), attempt > 1);
        } catch (e) {
          const stale = (e as { reusedSocket?: boolean; code?: string }).reusedSocket && ['ECONNRESET', 'EPIPE'].includes(String((e as { code?: string }).code));
          if (stale && attempt < 2 && Date.now() < deadline) continue;
          const reason = reasonOf(e, this.timeoutMs);
          const node = `node ${displayUrl(current.origin)}`;
          throw new NodeUnreachableError(certificateProblem(e, node) ?? `${node} did not answer (${reason})`, reason);
        }
      }
      const ended = Date.now();
      for (const raw of res.headers['set-cookie'] ?? []) {
        // Garbage Set-Cookie headers are skipped, as a browser would.
        try {
          const parsed = Cookie.parse(raw, { loose: true });
          if (parsed?.key) setCookies.set(parsed.key, parsed.value);
          await jar.setCookie(raw, current.href, { ignoreError: true });
        } catch {
          /* not a cookie */
        }
      }
      const location = res.headers.location ?? null;
      if (follow && location && res.status >= 300 && res.status < 400) {
        if (hop + 1 > MAX_REDIRECTS) throw new NodeAnswerError(`${who} redirected GET ${new URL(url).pathname} more than ${MAX_REDIRECTS} times (a redirect loop)`);
        let next: URL;
        try {
          next = new URL(location, current);
        } catch {
          throw new NodeAnswerError(`${who} redirected GET ${new URL(url).pathname} to an invalid Location header`);
        }
        current = this.allowed(next.href, `${who}'s redirect from GET ${new URL(url).pathname}`);
        continue;
      }
      const date = res.headers.date;
      const serverDate = date ? Date.parse(date) : NaN;
      return {
        url: current.href,
        status: res.status,
        location,
        setCookies,
        body: res.text,
        truncated: res.truncated,
        serverDate: Number.isNaN(serverDate) ? null : serverDate,
        localMidpoint: Math.round((started + ended) / 2),
        ms: ended - started,
      };
    }
  }

  /** The cookies the jar would send to url, by name. */
  async cookies(jar: CookieJar, url: string): Promise<Map<string, string>> {
    return new Map((await jar.getCookies(url)).map((c) => [c.key, c.value]));
  }
}

export function joinUrl(node: string, path: string): string {
  return new URL(path, node.endsWith('/') ? node : `${node}/`).toString();
}

/**
 * Why a --path/--login-path/--auth-path/--logout-path value is not a path on the named nodes (a full
 * URL, `//host`, a backslash that URL parsing turns into `//host`, whitespace), or null when it is one.
 */
export function pathProblem(path: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return 'it is a full URL';
  if (!path.startsWith('/')) return 'it must start with /';
  if (/^\/[/\\]/.test(path) || path.includes('\\')) return 'it names another host';
  if (/[\s\u0000-\u001f\u007f]/.test(path)) return 'it contains whitespace or control characters';
  const base = 'http://statelint.invalid';
  if (new URL(path, `${base}/`).origin !== base) return 'it names another host';
  return null;
}
