import type { ProjectFacts } from '../../engine/project-facts.js';
import type { Val } from '../../engine/values.js';
import type { EnvironmentView } from '../../project/env-files.js';
import type { NodePackage } from './packages.js';
import type { SourceFile } from './tsapi.js';

/** A Node server package with the files its entries reach (its import graph). */
export interface ServerPackage extends NodePackage {
  files: string[];
  /** Env files that decide process.env for this package (later wins). */
  envFiles: string[];
  /** `require()`/`import()` calls whose module could not be worked out statically. */
  unresolvedLoads: string[];
}

/** What Node rules know about the project (docs/ARCHITECTURE.md, "Ecosystems"). */
export interface NodeFacts {
  packages: ServerPackage[];
  /** Every file reached from a server entry (rules look only at these). */
  serverFiles: Set<string>;
  packageOf(file: string): ServerPackage | undefined;
  /** The environment of a file's package. */
  env(file: string): EnvironmentView | undefined;
  /** Does the file's package depend on a module (dependencies or devDependencies)? */
  dependsOn(file: string, module: string): boolean;
  /** A project file parsed (cached), for values that travel through imports. */
  sourceFile(file: string): SourceFile | undefined;
  /** The project path of a parsed file (rule files and files parsed here). */
  pathOf(sf: SourceFile): string;
  /** Called by rules with their own parsed file, so cross-file lookups know its path. */
  register(sf: SourceFile, file: string): void;
  /** The file an import specifier names, from a file. */
  resolveImport(from: string, spec: string): string | undefined;
  /** A value of the `config` package (config/default.json, production.json, custom-environment-variables.json). */
  configValue(file: string, key: string): Val | undefined;
  /** Prisma schema files of the server packages (datasource provider decides the database). */
  prismaSchemas: { file: string; text: string }[];
  /** Text of a server file (cached), for cheap whole-package searches. */
  textOf(file: string): string | undefined;
}

export function nodeOf(facts: ProjectFacts): NodeFacts | undefined {
  return facts.byEcosystem.node as NodeFacts | undefined;
}
