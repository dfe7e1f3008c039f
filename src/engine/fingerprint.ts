import { createHash } from '../lang/crypto.js';

/**
 * Stable across line shifts: rule + file + the finding line's text with whitespace folded + the
 * occurrence index of that same (rule, file, text) triple.
 */
export function fingerprint(ruleId: string, file: string, lineText: string, occurrence: number): string {
  const normalized = lineText.replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(`${ruleId}\0${identityOf(file)}\0${normalized}\0${occurrence}`).digest('hex').slice(0, 32);
}

/**
 * A finding decided by an env file keeps its identity whichever env file decided it (.env on a laptop,
 * .env.example in CI), so a baseline written in one place matches in the other.
 */
function identityOf(file: string): string {
  return /(?:^|\/)\.env(?:\.[^/]*)?$/.test(file) ? '<env file>' : file;
}

/** GitHub's primaryLocationLineHash: hash of the line's text and its occurrence, as `hex:occurrence`. */
export function lineHash(lineText: string, occurrence: number): string {
  const hex = createHash('sha256').update(lineText.replace(/\s+/g, '')).digest('hex').slice(0, 16);
  return `${hex}:${occurrence}`;
}
