/**
 * The library surface (docs/ARCHITECTURE.md, "API"): what the CLI calls and what tests and other
 * tools may call. Like ESLint's `ESLint` class under its CLI, nothing here prints or exits.
 */
export { audit, detectEcosystems, knownRuleIds, loadProject, loadRules, type AuditOptions, type AuditResult } from './audit.js';
export { resolveRoot, writeBaseline } from './user-files.js';
export { TOOL_VERSION } from './version.js';
export type { Report } from '../engine/report.js';
export type { Finding } from '../engine/finding.js';
export type { FixOptions, FixResult } from './fix.js';
export type { EnvPlan } from './env.js';
export type { LiveOptions, LiveResult } from './live.js';

/** fix(): loaded on first call, like live() below: an audit never loads the fix applier and the diff writer. */
export async function fix(options: import('./fix.js').FixOptions): Promise<import('./fix.js').FixResult> {
  return (await import('./fix.js')).fix(options);
}

/** envPlan() (`statelint env`): loaded on first call. */
export async function envPlan(options: import('./audit.js').AuditOptions): Promise<import('./env.js').EnvPlan> {
  return (await import('./env.js')).envPlan(options);
}

/** live(): loaded on first call, so that audits (and every hook) never load the Redis and HTTP clients. */
export async function live(options: import('./live.js').LiveOptions): Promise<import('./live.js').LiveResult> {
  return (await import('./live.js')).live(options);
}
