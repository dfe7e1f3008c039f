import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
import type { Fix } from '../../../src/engine/finding.js';
import type { Val } from '../../../src/engine/values.js';
import { envKeyOf, envKeysRead, hardCoded, skeletonKey } from '../../../src/ecosystems/laravel/env-keys.js';

export { envKeyOf, hardCoded, skeletonKey };

/**
 * The unsafe fix that makes a hard-coded config value read the skeleton's env variable, keeping the
 * literal as default (nothing changes while the variable is unset). None when the value is not
 * hard-coded, or the variable already means something else in this app's config.
 */
export function readEnvFix(laravel: LaravelFacts, setting: string, v: Val | undefined): { fix: Fix; key: string } | undefined {
  const lit = hardCoded(v);
  const key = skeletonKey(setting, laravel.major);
  if (!lit || !key || envKeysRead(laravel).has(key)) return undefined;
  return {
    key,
    fix: {
      title: `make ${lit.file}:${lit.line} read ${key} (default ${lit.literal})`,
      applicability: 'unsafe',
      edits: [{ file: lit.file, range: lit.span, text: `env('${key}', ${lit.literal})` }],
    },
  };
}

/**
 * Remediation naming this app's own lever for a setting: the env variable its config reads, or the
 * config line to change when the value is hard-coded.
 */
export function remediationFor(laravel: LaravelFacts, setting: string, v: Val | undefined, value: string, extra = ''): string | undefined {
  if (!v) return undefined;
  const key = envKeyOf(v);
  if (key) return `Set ${key}=${value}${extra} in production's environment: this app's config reads ${key} for ${setting}.`;
  const fix = readEnvFix(laravel, setting, v);
  if (fix) return `${setting} is hard-coded in ${v.origin.file}:${v.origin.line}: make it read ${fix.key} (statelint --fix --unsafe-fixes does it), then set ${fix.key}=${value} in production${extra}.`;
  if (hardCoded(v)) return `${setting} is hard-coded in ${v.origin.file}:${v.origin.line}: change it to '${value}' or make it read an env variable production sets${extra}.`;
  return undefined;
}
