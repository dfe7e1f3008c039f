import { Cookie, CookieJar } from 'tough-cookie';
import { reasonOf, TargetUnreachableError } from './errors.js';
import { displayUrl } from './redact.js';

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

/** node's fetch with a per-call timeout, manual redirects and a tough-cookie jar (one jar = one browser). */
export class LiveHttp {
  constructor(private readonly timeoutMs: number) {}

  newJar(): CookieJar {
    return new CookieJar(undefined, { looseMode: true });
  }

  async request(jar: CookieJar, url: string, init: RequestInit = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { 'user-agent': 'statelint-live', accept: 'text/html,application/json', ...init.headers };
    const cookie = await jar.getCookieString(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const started = Date.now();
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (e) {
      const origin = new URL(url).origin;
      throw new TargetUnreachableError(`node ${displayUrl(origin)} did not answer (${reasonOf(e, this.timeoutMs)})`);
    }
    const ended = Date.now();
    const setCookies = new Map<string, string>();
    for (const raw of res.headers.getSetCookie()) {
      const parsed = Cookie.parse(raw, { loose: true });
      if (parsed) setCookies.set(parsed.key, parsed.value);
      await jar.setCookie(raw, url, { ignoreError: true });
    }
    const date = res.headers.get('date');
    const serverDate = date ? Date.parse(date) : NaN;
    return {
      url,
      status: res.status,
      location: res.headers.get('location'),
      setCookies,
      body: text,
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
