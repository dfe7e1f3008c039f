/**
 * The library surface (docs/ARCHITECTURE.md, "API"): what the CLI calls and what tests and other
 * tools may call. Like ESLint's `ESLint` class under its CLI, nothing here prints or exits.
 */
export { audit, detectEcosystems, knownRuleIds, loadProject, loadRules, type AuditOptions, type AuditResult } from './audit.js';
export { resolveRoot, writeBaseline } from './user-files.js';
export { TOOL_VERSION } from './version.js';
export type { Report } from '../engine/report.js';
export type { Finding } from '../engine/finding.js';
export { fix, type FixOptions, type FixResult } from './fix.js';
export { envPlan, type EnvPlan } from './env.js';
export type { LiveOptions, LiveResult } from './live.js';

/** live(): loaded on first call, so that audits (and every hook) never load the Redis and HTTP clients. */
export async function live(options: import('./live.js').LiveOptions): Promise<import('./live.js').LiveResult> {
  return (await import('./live.js')).live(options);
}
