import type { AuditOptions } from '../api/audit.js';
import { envPlan, type EnvPlan } from '../api/env.js';

/** `statelint env`: the env lines a stateless production needs, as a file one can paste (pretty) or data (json). */
export async function runEnvCommand(options: AuditOptions, format: 'pretty' | 'json'): Promise<string> {
  const plan = await envPlan(options);
  if (format === 'json') {
    const { proofEnv: _proof, ...out } = plan;
    return JSON.stringify(out, null, 2) + '\n';
  }
  return renderPlan(plan);
}

function renderPlan(plan: EnvPlan): string {
  const out: string[] = ['# Environment for a stateless production (statelint env).', '# Each line below was checked: statelint audits again with it set and the findings it names are gone.', ''];
  if (!plan.items.length) out.push('# Nothing to set: no finding of this app is cleared by an env variable.', '');
  for (const item of plan.items) {
    out.push(`# clears ${item.rules.join(', ')}: ${item.reason}`);
    for (const l of item.lines) out.push(l.placeholder ? `${l.key}=${l.value}  # placeholder: choose` : `${l.key}=${l.value}`);
    out.push('');
  }
  const list = (title: string, rows: { rule: string; reason: string }[]) => {
    if (!rows.length) return;
    out.push(`# ${title}:`);
    for (const r of rows) out.push(`#   ${r.rule}: ${r.reason}`);
    out.push('');
  };
  list('needs a code change (no env line can clear it)', plan.needsCode);
  list('could not resolve', plan.unresolved);
  return out.join('\n').replace(/\n+$/, '\n');
}
