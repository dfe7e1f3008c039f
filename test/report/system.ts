import { existsSync } from 'node:fs';
import { ensureDebianPackages, hasCommand } from '../support/debian.js';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * The Debian packages the report tests need: chromium (the HTML report is checked in a real browser)
 * and libxml2-utils (xmllint for the JUnit XML).
 */
export function ensureReportPackages(): void {
  ensureDebianPackages([
    { pkg: 'chromium', present: () => existsSync(CHROMIUM) },
    { pkg: 'libxml2-utils', present: () => hasCommand('xmllint') },
  ]);
}
