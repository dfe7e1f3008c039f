/**
 * What rules may know about the project: never the file system itself. Each ecosystem that was
 * detected puts its own facts under its id (src/ecosystems/<id>/ defines their shape); the engine
 * only passes them through.
 */
export interface ProjectFacts {
  root: string;
  ecosystems: string[];
  /** Facts per ecosystem id, e.g. `byEcosystem.laravel` (read through the ecosystem's own accessor). */
  byEcosystem: Record<string, unknown>;
  options: { includeTests: boolean };
}
