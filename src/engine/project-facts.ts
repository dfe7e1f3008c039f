import type { Origin, Val } from './values.js';

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
}

/** What rules may know about the project: never the filesystem itself. */
export interface ProjectFacts {
  root: string;
  ecosystems: ('laravel' | 'node')[];
  laravel?: LaravelFacts;
  options: { includeTests: boolean };
}
