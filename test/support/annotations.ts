import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Semgrep-style fixture annotations (docs/ARCHITECTURE.md, "Tests"): a comment line `ruleid: <id>[, <id>]`
 * directly above each line that must be reported, `ok: <id>` above look-alikes that must not be,
 * `todoruleid:` / `todook:` for known misses / known false positives.
 */
const ANNOTATION = /^\s*(?:#|\/\/|\{\{--|\/\*|\*)\s*(ruleid|ok|todoruleid|todook):\s*(.+?)\s*(?:--\}\}|\*\/)?\s*$/;
/** Source files, env files, and deployment files whose comments are `#` (YAML, Dockerfile, shell, Procfile, supervisord, .ebextensions). */
const ANNOTATED_FILES = /(\.php|\.[cm]?[tj]sx?|\.prisma|^\.env.*|\.env|\.ya?ml|\.sh|\.config|\.conf|^Dockerfile(?:\..+)?|\.[Dd]ockerfile|^Procfile|^crontab)$/;

export interface Expectations {
  /** file:line that must be reported, per rule (ruleid + todook). */
  expected: Map<string, Set<string>>;
  /** file:line that must not be reported, per rule (ok + todoruleid). */
  forbidden: Map<string, Set<string>>;
  /** Every rule id named by an annotation. */
  rules: Set<string>;
}

function* walk(dir: string, root: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'vendor' || e.name === 'node_modules') continue;
    // A case's fixed/ tree is the expected output of --fix: its annotations are kept, not audited.
    if (e.name === 'fixed' && dir === root) continue;
    const abs = path.join(dir, e.name);
    // A fix fixture's expected tree (fixed/) repeats the input's annotations; it is compared, not audited.
    if (e.isDirectory() && dir === root && e.name === 'fixed') continue;
    if (e.isDirectory()) yield* walk(abs, root);
    else if (e.isFile()) yield path.relative(root, abs).split(path.sep).join('/');
  }
}

function add(map: Map<string, Set<string>>, id: string, at: string) {
  if (!map.has(id)) map.set(id, new Set());
  map.get(id)!.add(at);
}

export function readExpectations(root: string): Expectations {
  const out: Expectations = { expected: new Map(), forbidden: new Map(), rules: new Set() };
  for (const file of walk(root, root)) {
    if (!ANNOTATED_FILES.test(path.basename(file))) continue;
    const lines = readFileSync(path.join(root, file), 'utf8').split(/\r?\n/);
    lines.forEach((text, i) => {
      const m = ANNOTATION.exec(text);
      if (!m) return;
      let target = i + 1;
      while (target < lines.length && ANNOTATION.test(lines[target])) target++;
      const at = `${file}:${target + 1}`;
      for (const id of m[2].split(',').map((s) => s.trim()).filter(Boolean)) {
        out.rules.add(id);
        if (m[1] === 'ruleid' || m[1] === 'todook') add(out.expected, id, at);
        else add(out.forbidden, id, at);
      }
    });
  }
  const sidecar = path.join(root, 'statelint-expect.json');
  if (existsSync(sidecar) && statSync(sidecar).isFile()) {
    for (const e of JSON.parse(readFileSync(sidecar, 'utf8')) as { ruleId: string; file: string; line: number }[]) {
      out.rules.add(e.ruleId);
      add(out.expected, e.ruleId, `${e.file}:${e.line}`);
    }
  }
  return out;
}

/** Compares reported findings with the annotations; returns readable problems (empty = pass). */
export function compare(exp: Expectations, reported: { ruleId: string; location: { file: string; line: number } }[], onlyRules?: Set<string>): string[] {
  const problems: string[] = [];
  const got = new Map<string, Set<string>>();
  for (const f of reported) add(got, f.ruleId, `${f.location.file}:${f.location.line}`);
  const ids = new Set([...exp.expected.keys(), ...got.keys()]);
  for (const id of ids) {
    if (onlyRules && !onlyRules.has(id)) continue;
    const want = exp.expected.get(id) ?? new Set();
    const have = got.get(id) ?? new Set();
    for (const at of want) if (!have.has(at)) problems.push(`missed   ${id} at ${at}`);
    for (const at of have) {
      if (want.has(at)) continue;
      const why = exp.forbidden.get(id)?.has(at) ? 'reported an ok: line' : 'unannotated finding';
      problems.push(`extra    ${id} at ${at} (${why})`);
    }
  }
  return problems.sort();
}
