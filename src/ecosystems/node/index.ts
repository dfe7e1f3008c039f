import type { ChalkInstance } from 'chalk';
import type { EffectiveValue } from '../../engine/report.js';
import { isSecretValue } from '../../project/env-files.js';
import type { ProjectFs } from '../../project/fs.js';
import { languageOf } from '../../lang/adapter.js';
import { discoverRules } from '../rules.js';
import type { Ecosystem, LoadedEcosystem, LoadOptions } from '../types.js';
import { nodeChecklist } from './checklist.js';
import { detectServerPackages } from './packages.js';
import type { NodeProject } from './project.js';

/** Env variables shown in the effective config: the ones that usually decide where state lives. */
const STATE_VARS = /^(?:NODE_ENV|PORT)$|SESSION|REDIS|STORE|CACHE|DATABASE|^DB_|LOG|UPLOAD|STORAGE|S3|BUCKET|CRON|SCHEDUL|RATE|THROTTL|SOCKET|ADAPTER|SQLITE/i;

export const node: Ecosystem = {
  id: 'node',
  name: 'Node.js',
  signature: 'no package.json with a server framework such as express, fastify, koa, @nestjs/core or hapi and a server entry',
  detect(fs) {
    // Parser-free: reads package.json files only (a Laravel-only audit stops here).
    const packages = detectServerPackages(fs);
    if (!packages.length) return undefined;
    return { evidence: packages.map((p) => `${p.root || '.'}/package.json: ${p.frameworks.join(', ')} server (${p.entryEvidence[0]})`) };
  },
  async load(fs: ProjectFs, options: LoadOptions): Promise<LoadedEcosystem> {
    // The compiler API loads here, only when a Node server app is audited.
    const { loadNodeProject } = await import('./project.js');
    const project = await loadNodeProject(fs, options);
    return {
      facts: project,
      info: {
        packages: project.packages.map((p) => ({
          root: p.root || '.',
          name: p.name,
          frameworks: p.frameworks,
          entries: p.entries,
          files: p.files.length,
          envFiles: p.envFiles,
          ...(p.unresolvedLoads.length ? { unresolvedLoads: p.unresolvedLoads.slice(0, 20) } : {}),
        })),
      },
      errors: project.errors,
      effectiveConfig: () => effectiveConfig(project),
      checklist: (findings, context) => nodeChecklist(project, findings, context),
      describeConfig: (format, chalk) => describeConfig(project, format, chalk),
      configFiles: project.configFiles,
      readDuringLoad: (file) => project.reads.get(file),
    };
  },
  // Its config files are env files and the `config` package's JSON files: never PHP, JavaScript or TypeScript sources.
  mayBeConfigFile: (file) => !languageOf(file),
  rules: () => discoverRules('node'),
};

function effectiveConfig(project: NodeProject): Record<string, EffectiveValue> {
  const out: Record<string, EffectiveValue> = {};
  for (const p of project.packages) {
    const view = project.env(p.entries[0]);
    const prefix = project.packages.length > 1 ? `node.${p.root || '.'}.` : 'node.';
    const nodeEnv = view?.get('NODE_ENV');
    out[`${prefix}NODE_ENV`] = nodeEnv ? { value: nodeEnv.value, source: { file: nodeEnv.file, line: nodeEnv.line } } : { value: 'production', source: null, unknown: 'not set in any env file; production assumed' };
    for (const f of view?.files ?? []) {
      for (const [k] of f.entries) {
        const e = view!.get(k);
        if (!e || !STATE_VARS.test(k) || `${prefix}${k}` in out) continue;
        out[`${prefix}${k}`] = { value: isSecretValue(k, e.value) ? '<redacted>' : e.value, source: e.line ? { file: e.file, line: e.line } : null };
      }
    }
  }
  return out;
}

function describeConfig(project: NodeProject, format: 'pretty' | 'json', c: ChalkInstance): string {
  const values = effectiveConfig(project);
  if (format === 'json') {
    return `${JSON.stringify({ node: { packages: project.packages.map((p) => ({ root: p.root || '.', entries: p.entries, files: p.files.length, envFiles: p.envFiles })) }, values }, null, 2)}\n`;
  }
  const lines: string[] = [];
  for (const p of project.packages) {
    lines.push(`${c.bold('Node.js')} ${p.name} (${p.frameworks.join(', ')})  root: ${p.root || '.'}  entries: ${p.entries.join(', ')}  files: ${p.files.length}  env: ${p.envFiles.join(', ') || '(none)'}`);
  }
  const width = Math.max(0, ...Object.keys(values).map((k) => k.length));
  for (const [k, v] of Object.entries(values)) {
    lines.push(`  ${k.padEnd(width)}  ${String(v.value).padEnd(24)}  ${c.dim(v.source ? `${v.source.file}:${v.source.line}` : (v.unknown ?? ''))}`);
  }
  return `${lines.join('\n')}\n`;
}
