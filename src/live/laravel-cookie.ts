import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Laravel APP_KEY ("base64:..." or raw) as key bytes. */
export function appKeyBytes(appKey: string): Buffer {
  return appKey.startsWith('base64:') ? Buffer.from(appKey.slice(7), 'base64') : Buffer.from(appKey, 'utf8');
}

function cipherFor(key: Buffer): string {
  if (key.length === 32) return 'aes-256-cbc';
  if (key.length === 16) return 'aes-128-cbc';
  throw new Error('unsupported key length');
}

export class MacInvalidError extends Error {}

/** Illuminate\Encryption\Encrypter::decrypt($payload, false) for the CBC ciphers. */
export function decryptPayload(payload: string, key: Buffer): string {
  let json: { iv?: unknown; value?: unknown; mac?: unknown; tag?: unknown };
  try {
    json = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    throw new Error('payload is not base64 JSON');
  }
  if (typeof json.iv !== 'string' || typeof json.value !== 'string' || typeof json.mac !== 'string') throw new Error('payload lacks iv/value/mac');
  if (json.tag) throw new Error('AEAD payloads (tag) are not supported');
  const iv = Buffer.from(json.iv, 'base64');
  if (iv.length !== 16) throw new Error('bad iv length');
  // the MAC is over the base64 strings, hex encoded
  const expected = Buffer.from(createHmac('sha256', key).update(json.iv + json.value).digest('hex'));
  const given = Buffer.from(json.mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new MacInvalidError('The MAC is invalid.');
  const decipher = createDecipheriv(cipherFor(key), key, iv);
  return Buffer.concat([decipher.update(Buffer.from(json.value, 'base64')), decipher.final()]).toString('utf8');
}

export function encryptPayload(plain: string, key: Buffer): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv(cipherFor(key), key, iv);
  const value = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
  const ivB64 = iv.toString('base64');
  const mac = createHmac('sha256', key).update(ivB64 + value).digest('hex');
  return Buffer.from(JSON.stringify({ iv: ivB64, value, mac, tag: '' })).toString('base64');
}

/** CookieValuePrefix::create: sha1 HMAC of "<name>v2", hex, then "|". */
export function cookieValuePrefix(name: string, key: Buffer): string {
  return `${createHmac('sha1', key).update(`${name}v2`).digest('hex')}|`;
}

export type CookieDecryption =
  | { ok: true; value: string }
  | { ok: false; reason: 'mac-invalid' | 'prefix-mismatch' | 'malformed' };

/** Decrypts a Laravel cookie as it appears in Set-Cookie (URL-encoded) and strips the name prefix. */
export function decryptLaravelCookie(name: string, rawValue: string, appKey: string): CookieDecryption {
  let key: Buffer;
  try {
    key = appKeyBytes(appKey);
    cipherFor(key);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  let plain: string;
  try {
    plain = decryptPayload(decodeURIComponent(rawValue), key);
  } catch (e) {
    return { ok: false, reason: e instanceof MacInvalidError ? 'mac-invalid' : 'malformed' };
  }
  const prefix = cookieValuePrefix(name, key);
  if (!plain.startsWith(prefix)) return { ok: false, reason: 'prefix-mismatch' };
  return { ok: true, value: plain.slice(prefix.length) };
}

/** The cookie value Laravel's EncryptCookies would send for `value` (used by tests and to build probes). */
export function encryptLaravelCookie(name: string, value: string, appKey: string): string {
  const key = appKeyBytes(appKey);
  return encodeURIComponent(encryptPayload(cookieValuePrefix(name, key) + value, key));
}
