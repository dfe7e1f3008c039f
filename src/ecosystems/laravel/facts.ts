import type { ProjectFacts } from '../../engine/project-facts.js';
import { asString, type Origin, type Val } from '../../engine/values.js';
import type { AppLogging } from './app-log.js';

/** The resolved Laravel configuration as rules see it. */
export interface LaravelFacts {
  version?: string;
  major?: number;
  configDirs: string[];
  envFiles: string[];
  config: { get(key: string): Val | undefined; sourceOf(file: string): 'app' | 'framework' | 'app+framework' | undefined };
  /** A variable as set by the env files in use (for values Laravel reads with Env::get outside config). */
  envValue(key: string): Val | undefined;
  /** Where a framework default is pointed at when no app file holds it. */
  anchor: Origin;
  /** The text of the app's config/<name>.php, when it has one (fixes that add a config key edit it). */
  configSource(name: string): { file: string; text: string } | undefined;
  /** composer.json / composer.lock present but not read or not parsed (listed in the report's errors). */
  metadataProblems?: string[];
  /** Laravel 5.5 and earlier: logging is config('app.log'), not config/logging.php (see app-log.ts). */
  appLogging?: AppLogging;
}

/** The Laravel facts of a project, when it is a Laravel app. */
export function laravelOf(facts: ProjectFacts): LaravelFacts | undefined {
  return facts.byEcosystem.laravel as LaravelFacts | undefined;
}

/**
 * The store the scheduler's onOneServer()/withoutOverlapping() locks use:
 * cache.schedule_store, else SCHEDULE_CACHE_DRIVER, else (11+) SCHEDULE_CACHE_STORE, else the default store.
 */
export function scheduleLockStore(laravel: LaravelFacts): { name?: string; decidedBy?: Val } {
  const configured = laravel.config.get('cache.schedule_store');
  if (configured && asString(configured)) return { name: asString(configured), decidedBy: configured };
  const candidates = ['SCHEDULE_CACHE_DRIVER', ...((laravel.major ?? 0) >= 11 ? ['SCHEDULE_CACHE_STORE'] : [])];
  for (const key of candidates) {
    const v = laravel.envValue(key);
    if (v && asString(v)) return { name: asString(v), decidedBy: v };
  }
  const def = laravel.config.get('cache.default');
  return { name: asString(def), decidedBy: def };
}
