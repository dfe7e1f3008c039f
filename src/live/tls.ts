import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/**
 * Trust for https nodes and rediss/TLS stores: the public roots Node ships with, plus the PEM
 * certificates of `--ca FILE` (a private CA). Verification always stays on.
 */
export function loadCa(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--ca: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const certs = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!certs || certs.length === 0) throw new Error(`--ca: ${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return certs;
}

/** The CA list for a TLS connection: Node's public roots plus the private CA, or undefined (Node's defaults). */
export function trustedCas(extra: string[] | undefined): string[] | undefined {
  return extra && extra.length > 0 ? [...rootCertificates, ...extra] : undefined;
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * A sentence for a certificate verification failure (without the subject), or null for other errors.
 * `who` names the node or store, e.g. "node https://a.internal".
 */
export function certificateProblem(e: unknown, who: string): string | null {
  const err = e as { code?: string; cause?: { code?: string }; lastNodeError?: { code?: string } };
  const code = err?.code ?? err?.cause?.code ?? err?.lastNodeError?.code;
  if (!code) return null;
  if (UNTRUSTED.has(code)) return `${who} presented a TLS certificate that statelint does not trust (${code}); certificate verification stays on: pass the private CA with --ca FILE (PEM)`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `${who} presented a TLS certificate for another host name (${code}); certificate verification stays on: use the host name the certificate names`;
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') return `${who} presented a TLS certificate outside its validity period (${code})`;
  return null;
}
