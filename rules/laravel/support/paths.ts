import type { ProjectFacts } from '../../../src/engine/project-facts.js';
import { laravelOf } from '../../../src/ecosystems/laravel/facts.js';

/** Module and package config folders (`packages/x/config/*.php`, `Modules/X/Config/*.php`) are config too. */
const PACKAGE_CONFIG = /(^|\/)(packages|modules|Modules)\/.+\/[Cc]onfig\/[^/]+\.php$/;

export function inConfigDir(path: string, facts: ProjectFacts): boolean {
  const dirs = laravelOf(facts)?.configDirs ?? ['config'];
  return dirs.some((d) => d === '.' || path.startsWith(`${d}/`)) || PACKAGE_CONFIG.test(path);
}

export function inTests(path: string): boolean {
  return /(^|\/)tests?\//.test(path);
}

/** The app's own code: not config, and not tests unless asked for. */
export function isAppCode(path: string, facts: ProjectFacts): boolean {
  if (inConfigDir(path, facts)) return false;
  if (!facts.options.includeTests && inTests(path)) return false;
  return true;
}
