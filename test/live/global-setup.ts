import { ensureSystemPackages } from './servers.js';

/** vitest globalSetup: install redis-server / php / Laravel from Debian once per test run when missing. */
export default function setup(): void {
  ensureSystemPackages();
}
