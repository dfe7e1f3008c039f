import http from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { Cookie, CookieJar } from 'tough-cookie';
import { reasonOf, TargetUnreachableError } from './errors.js';
import { displayUrl } from './redact.js';
import { certificateProblem, trustedCas } from './tls.js';

export interface HttpResult {
  url: string;
  status: number;
  location: string | null;
  /** Cookies this response set, by name (raw value as sent, possibly %-encoded). */
  setCookies: Map<string, string>;
  body: string;
  /** Server clock from the Date header (ms since epoch), and the local clock halfway through the call. */
  serverDate: number | null;
  localMidpoint: number;
  ms: number;
}

export interface RequestInit {
  method?: 'GET' | 'POST';
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/** A response as read off the wire (body decoded when gzip/deflate/br). */
interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/**
 * node:http(s) with a per-call timeout (connect + response + body), manual redirects, keep-alive agents
 * and a tough-cookie jar (one jar = one browser). https verifies certificates against Node's public
 * roots plus `ca` (--ca FILE); verification is never turned off.
 */
export class LiveHttp {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly timeoutMs: number,
    ca?: string[],
  ) {
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256, ca: trustedCas(ca), rejectUnauthorized: true });
  }

  newJar(): CookieJar {
    return new CookieJar(undefined, { looseMode: true });
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private send(url: string, method: string, headers: Record<string, string>, body: string | undefined): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const u = new URL(url);
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
      const req = mod.request(u, { method, headers, agent: secure ? this.httpsAgent : this.httpAgent }, (res) => {
        const encoding = String(res.headers['content-encoding'] ?? '').toLowerCase();
        let stream: NodeJS.ReadableStream = res;
        if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(zlib.createGunzip());
        else if (encoding === 'deflate') stream = res.pipe(zlib.createInflate());
        else if (encoding === 'br') stream = res.pipe(zlib.createBrotliDecompress());
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        stream.on('error', (e: Error) => finish(e));
        res.on('error', (e: Error) => finish(e));
      });
      const timer = setTimeout(() => {
        const e = new Error(`no answer within ${this.timeoutMs} ms`);
        e.name = 'TimeoutError';
        req.destroy(e);
        finish(e);
      }, this.timeoutMs);
      req.on('error', (e) => finish(e));
      req.end(body);
    });
  }

  async request(jar: CookieJar, url: string, init: RequestInit = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { 'user-agent': 'statelint-live', accept: 'text/html,application/json', 'accept-encoding': 'gzip, deflate, br', ...init.headers };
    const cookie = await jar.getCookieString(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const started = Date.now();
    let res: RawResponse;
    try {
      res = await this.send(url, init.method ?? 'GET', headers, body);
    } catch (e) {
      const who = `node ${displayUrl(new URL(url).origin)}`;
      throw new TargetUnreachableError(certificateProblem(e, who) ?? `${who} did not answer (${reasonOf(e, this.timeoutMs)})`);
    }
    const ended = Date.now();
    const setCookies = new Map<string, string>();
    const rawCookies = res.headers['set-cookie'] ?? [];
    for (const raw of rawCookies) {
      const parsed = Cookie.parse(raw, { loose: true });
      if (parsed) setCookies.set(parsed.key, parsed.value);
      await jar.setCookie(raw, url, { ignoreError: true });
    }
    const date = res.headers.date;
    const serverDate = date ? Date.parse(date) : NaN;
    const location = res.headers.location;
    return {
      url,
      status: res.status,
      location: location ?? null,
      setCookies,
      body: res.text,
      serverDate: Number.isNaN(serverDate) ? null : serverDate,
      localMidpoint: Math.round((started + ended) / 2),
      ms: ended - started,
    };
  }

  /** The cookies the jar would send to url, by name. */
  async cookies(jar: CookieJar, url: string): Promise<Map<string, string>> {
    return new Map((await jar.getCookies(url)).map((c) => [c.key, c.value]));
  }
}

export function joinUrl(node: string, path: string): string {
  return new URL(path, node.endsWith('/') ? node : `${node}/`).toString();
}
