import { UsageError } from '../engine/errors.js';
import type { Finding } from '../engine/finding.js';
import type { EnvLine } from '../ecosystems/types.js';
import { isSecretValue } from '../project/env-files.js';
import { audit, type AuditOptions } from './audit.js';

export interface ProvenItem {
  rules: string[];
  reason: string;
  lines: EnvLine[];
}

export interface EnvPlan {
  /** Lines proven to clear what they claim (placeholders only accompany the choice they belong to). */
  items: ProvenItem[];
  needsCode: { rule: string; reason: string }[];
  unresolved: { rule: string; reason: string }[];
  /** Env variables the proof was run with (the non-placeholder lines). */
  proofEnv: Record<string, string>;
}

const sameFinding = (a: Finding, b: Finding) => a.ruleId === b.ruleId && a.location.file === b.location.file && a.location.line === b.location.line && a.message === b.message;

/**
 * `statelint env` as a library call: the env lines a stateless production needs, each proven by
 * auditing again with every non-placeholder line on top: an item is kept only when none of the
 * findings it claims remains (and no new finding of its rules appears). Secrets are never planned.
 */
export async function envPlan(opts: AuditOptions): Promise<EnvPlan> {
  const before = await audit(opts);
  const planners = [...before.loaded.values()].filter((l) => l.envPlan);
  if (!planners.length) throw new UsageError(`No app in ${opts.path} that statelint can plan environment variables for`);
  const plan: EnvPlan = { items: [], needsCode: [], unresolved: [], proofEnv: {} };
  const drafts = [];
  for (const l of planners) drafts.push(await l.envPlan!(before.report.findings));

  const items = drafts.flatMap((d) => d.items);
  for (const d of drafts) {
    plan.needsCode.push(...d.needsCode);
    plan.unresolved.push(...d.unresolved);
  }
  for (const item of items) item.lines = item.lines.filter((l) => !isSecretValue(l.key, l.value));
  // Placeholders are left out of the proof: a value nobody chose yet proves nothing.
  for (const item of items) for (const l of item.lines) if (!l.placeholder) plan.proofEnv[l.key] = l.value;
  const after = await audit({ ...opts, env: { ...opts.env, ...plan.proofEnv } });

  for (const item of items) {
    const unclaimed = before.report.findings.filter((f) => item.rules.includes(f.ruleId) && !item.claims.includes(f));
    const left = after.report.findings.filter((f) => item.rules.includes(f.ruleId) && !unclaimed.some((u) => sameFinding(u, f)));
    if (left.length || !item.lines.some((l) => !l.placeholder)) {
      for (const rule of item.rules) plan.unresolved.push({ rule, reason: `${item.lines.filter((l) => !l.placeholder).map((l) => `${l.key}=${l.value}`).join(' ')} did not clear it: ${left[0]?.message ?? 'nothing to prove'}` });
      continue;
    }
    plan.items.push({ rules: item.rules, reason: item.reason, lines: item.lines });
  }
  // A line printed once: later items that need the same placeholder do not repeat it.
  const printed = new Set<string>();
  for (const item of plan.items) {
    item.lines = item.lines.filter((l) => !printed.has(l.key));
    for (const l of item.lines) printed.add(l.key);
  }
  for (const key of Object.keys(plan.proofEnv)) if (!plan.items.some((i) => i.lines.some((l) => l.key === key))) delete plan.proofEnv[key];
  return plan;
}
