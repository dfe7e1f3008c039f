/** Removes the password from a redis:// or http:// URL for display. */
export function displayUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.password) u.password = '***';
    const out = u.toString();
    return out.endsWith('/') && !raw.endsWith('/') ? out.slice(0, -1) : out;
  } catch {
    return raw.replace(/\/\/[^@/]*@/, '//***@');
  }
}

/** Collects secrets seen during a run (APP_KEY, cookie values, passwords) and removes them from any text. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined | null): void {
    if (!secret || secret.length < 4) return;
    this.secrets.add(secret);
    try {
      const decoded = decodeURIComponent(secret);
      if (decoded !== secret && decoded.length >= 4) this.secrets.add(decoded);
    } catch {
      /* not URL-encoded */
    }
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) this.secrets.add(encoded);
  }

  apply(text: string): string {
    let out = text;
    // longest first so a secret containing another is removed whole
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('[redacted]');
    return out;
  }

  /** The same for every string inside a value (a report), before a formatter escapes them out of reach. */
  applyDeep<T>(value: T): T {
    if (typeof value === 'string') return this.apply(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.applyDeep(v)) as T;
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.applyDeep(v)])) as T;
    return value;
  }
}
