import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { SeverityOrOff } from '../engine/finding.js';
import { readJsonFile } from '../project/read-source.js';
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
  // A regular file under the metadata cap (a FIFO or /dev/zero would hang); a syntax error gives the line and
  // column but never quotes the text (`--config .env` must not print the start of .env).
  const read = readJsonFile(file);
  if (!read.ok) throw new UsageError(`${shown} ${read.reason.startsWith('is not valid JSON') ? read.reason : `could not be read: ${read.reason}`}`);
  const data: unknown = read.data;
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`${shown} must hold one JSON object`);
  for (const [key, value] of Object.entries(data)) {
    // Own keys only: `__proto__`, `constructor` or `toString` must not find Object.prototype's members.
    const spec = Object.hasOwn(KEYS, key) ? KEYS[key as keyof ConfigFile] : undefined;
    if (!spec) throw new UsageError(`${shown}: unknown key "${key}" (known: ${Object.keys(KEYS).join(', ')})`);
    if (!spec.check(value)) throw new UsageError(`${shown}: "${key}" must be ${spec.expected}`);
  }
  const config = data as ConfigFile;
  // Maps are copied onto null-prototype objects, so no later `obj[key] = v` with a key from the file can reach a prototype.
  for (const key of ['rules', 'env', 'assume'] as const) if (config[key]) config[key] = Object.assign(Object.create(null), config[key]);
  // Paths in the settings file (a file the repository controls) name the project's own files, never others.
  if (config.configDir !== undefined) {
    const dir = insideProject(root, config.configDir, `${shown}: "configDir" must be a folder inside the project`);
    if (kindOf(dir) !== 'dir') throw new UsageError(`${shown}: "configDir" "${config.configDir}" is not a folder in the project`);
  }
  for (const f of config.envFiles ?? []) {
    const file = insideProject(root, f, `${shown}: "envFiles" must name files inside the project, not "${f}"`);
    if (kindOf(file) !== 'file') throw new UsageError(`${shown}: "envFiles" names "${f}", which is not a file in the project`);
  }
  if (config.baseline !== undefined) insideProject(root, config.baseline, `${shown}: "baseline" must be a file inside the project, not "${config.baseline}"`);
  for (const [id, severity] of Object.entries(config.rules ?? {})) {
    if (!knownRules.includes(id)) throw new UsageError(`${shown}: unknown rule "${id}" (see \`statelint rules\`)`);
    if (!SEVERITIES.includes(severity)) throw new UsageError(`${shown}: rule "${id}" must be "error", "warning", "info" or "off"`);
    // `warn` is accepted wherever `warning` is.
    if (severity === ('warn' as string)) config.rules![id] = 'warning';
  }
  if (config.failOn === ('warn' as string)) config.failOn = 'warning';
  return { file, config };
}

/**
 * `--config-dir DIR` (resolved from the project folder): a folder that is not there would silently mean
 * "framework defaults" for every value, so it is a usage error.
 */
export function checkConfigDirFlag(root: string, dir: string): void {
  if (kindOf(path.resolve(root, dir)) !== 'dir') throw new UsageError(`--config-dir ${dir} is not a folder (it is resolved from the project folder ${root})`);
}

/** The absolute path of `rel` when it stays inside the project, also after following links; else a UsageError. */
function insideProject(root: string, rel: string, message: string): string {
  const abs = path.resolve(root, rel);
  const realRoot = realOrSelf(root);
  if (path.isAbsolute(rel) || !isWithin(root, abs) || !isWithin(realRoot, realOrSelf(abs))) throw new UsageError(message);
  return abs;
}

function isWithin(root: string, abs: string): boolean {
  const r = path.relative(root, abs);
  return r === '' || (!r.startsWith(`..${path.sep}`) && r !== '..' && !path.isAbsolute(r));
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function kindOf(p: string): 'none' | 'file' | 'dir' | 'other' {
  try {
    const st = statSync(p);
    return st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'none';
  }
}
