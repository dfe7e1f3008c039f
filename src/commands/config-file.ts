import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SeverityOrOff } from '../engine/finding.js';
import { UsageError } from './errors.js';
import type { FailOn } from './output.js';

/** statelint.config.json: the flags a team wants every run (CI, hooks, laptops) to share. */
export interface ConfigFile {
  rules?: Record<string, SeverityOrOff>;
  ignore?: string[];
  includeTests?: boolean;
  configDir?: string;
  envFiles?: string[];
  env?: Record<string, string>;
  /** Config values the resolver cannot derive (`"assume": {"session.driver": "redis"}`), marked as assumed. */
  assume?: Record<string, string>;
  failOn?: FailOn;
  baseline?: string;
  maxFileSize?: string;
}

export const CONFIG_FILE_NAME = 'statelint.config.json';

const SEVERITIES = ['error', 'warning', 'warn', 'info', 'off'];
const FAIL_ON = ['error', 'warning', 'warn', 'info', 'never'];

type Check = (value: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isStringList: Check = (v) => Array.isArray(v) && v.every(isString);
const isStringMap: Check = (v) => !!v && typeof v === 'object' && !Array.isArray(v) && Object.values(v as object).every(isString);

const KEYS: Record<keyof ConfigFile, { check: Check; expected: string }> = {
  rules: { check: isStringMap, expected: 'an object of rule id -> "error" | "warning" | "info" | "off"' },
  ignore: { check: isStringList, expected: 'a list of .gitignore-style patterns' },
  includeTests: { check: (v) => typeof v === 'boolean', expected: 'true or false' },
  configDir: { check: isString, expected: 'a folder path' },
  envFiles: { check: isStringList, expected: 'a list of env file paths' },
  env: { check: isStringMap, expected: 'an object of KEY -> value strings' },
  assume: { check: isStringMap, expected: 'an object of config key -> value strings' },
  failOn: { check: (v) => FAIL_ON.includes(v as string), expected: '"error", "warning", "info" or "never"' },
  baseline: { check: isString, expected: 'a file path' },
  maxFileSize: { check: isString, expected: 'a size such as "4m"' },
};

/**
 * Reads --config FILE, else statelint.config.json in the project root (absent = no settings).
 * Any problem is a UsageError naming the file and the key: a silently ignored setting is worse.
 */
export function loadConfigFile(root: string, knownRules: string[], explicit?: string): { file?: string; config: ConfigFile } {
  const file = explicit ? path.resolve(explicit) : path.join(root, CONFIG_FILE_NAME);
  if (!existsSync(file)) {
    if (explicit) throw new UsageError(`Config file not found: ${explicit}`);
    return { config: {} };
  }
  const shown = explicit ?? CONFIG_FILE_NAME;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${shown} is not valid JSON (${(e as Error).message})`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${shown} must hold one JSON object`);
  for (const [key, value] of Object.entries(data)) {
    const spec = KEYS[key as keyof ConfigFile];
    if (!spec) throw new UsageError(`${shown}: unknown key "${key}" (known: ${Object.keys(KEYS).join(', ')})`);
    if (!spec.check(value)) throw new UsageError(`${shown}: "${key}" must be ${spec.expected}`);
  }
  const config = data as ConfigFile;
  for (const [id, severity] of Object.entries(config.rules ?? {})) {
    if (!knownRules.includes(id)) throw new UsageError(`${shown}: unknown rule "${id}" (see \`statelint rules\`)`);
    if (!SEVERITIES.includes(severity)) throw new UsageError(`${shown}: rule "${id}" must be "error", "warning", "info" or "off"`);
    // `warn` is accepted wherever `warning` is.
    if (severity === ('warn' as string)) config.rules![id] = 'warning';
  }
  if (config.failOn === ('warn' as string)) config.failOn = 'warning';
  return { file, config };
}
