import type { Category, FileError, Finding, Location, SeverityOrOff, SkippedFile, SuppressedFinding } from './finding.js';
import { RuleFailure } from './errors.js';
import { fingerprint } from './fingerprint.js';
import type { ProjectFacts } from './project-facts.js';
import { fixAllowed, relatedOf, type FileContext, type ReportInput, type Rule, type RuleMeta, type RuleOutline, type SourceFile } from './rule.js';
import { directivesIn, findSuppression, type Directive } from './suppressions.js';
import { loadAdapter, type LanguageAdapter, type LanguageId, type ParsedFile } from '../lang/adapter.js';
import { LineIndex, lineIdentity, suppressionView } from '../lang/source-text.js';
import { timing } from './timing.js';
import { sha256, type ResultCache } from './cache.js';

export interface SourceFileRef {
  /** Path relative to the project root, forward slashes. */
  path: string;
  language: LanguageId;
}

export type ReadResult = { ok: true; text: string; note?: string } | { ok: false; reason: string };

/** The languages the given rules read (to discover only those files). */
export function languagesOf(rules: RuleOutline[]): LanguageId[] {
  return [...new Set(rules.flatMap((r) => r.files?.languages ?? []))];
}

export interface RunInput {
  facts: ProjectFacts;
  rules: Rule[];
  files: SourceFileRef[];
  /** Reads a project file by relative path (source files, env and config files for excerpts). */
  read(path: string): ReadResult;
  severities?: Record<string, SeverityOrOff>;
  /** Files the rules' project indexes read (the whole project, also in a partial run); defaults to `files`. */
  indexFiles?: SourceFileRef[];
  /** Run the project-level checks (config rules); a partial run on files that decide no config skips them. */
  projectChecks?: boolean;
  /** Per-file results of earlier runs (--cache); unchanged files are not parsed or checked again. */
  cache?: ResultCache;
  /** Report suppression directives that silence nothing or name an unknown rule (all known rule ids). */
  unusedSuppressions?: { knownRuleIds: Set<string> };
  /** Progress for a display (files read and prefiltered, then candidate files analysed); must be cheap. */
  onProgress?: (phase: 'reading' | 'analysing', done: number, total: number) => void;
  /** Patterns tested on every file the run reads anyway; RunResult.textHits[i] lists the files pattern i matched. */
  textProbes?: RegExp[];
  /**
   * Files the configuration is resolved from: read (and listed as skipped when they cannot be) even when no rule
   * takes them, so a config file over --max-file-size still keeps its checklist row from passing.
   */
  configFiles?: Set<string>;
}

/** The pseudo-rule under which unused suppression directives are reported (ESLint's unused disable directives). */
export const UNUSED_SUPPRESSION: RuleMeta = {
  id: 'statelint/unused-suppression',
  ecosystem: 'statelint',
  category: 'config',
  severity: 'warning',
  summary: 'A statelint-ignore comment that suppresses nothing or names an unknown rule',
  why: 'A suppression that no longer matches a finding hides nothing today but will silently hide the next real finding on that line; one with a misspelt rule id never worked.',
  remediation: 'Delete the comment, or correct the rule id (see `statelint rules`).',
  examples: { bad: "// statelint-ignore laravel/env-outside-confg -- typo\n$url = config('app.url');", good: "$url = config('app.url');" },
  fixable: false,
};

export interface RunResult {
  findings: Finding[];
  suppressed: SuppressedFinding[];
  errors: FileError[];
  skipped: SkippedFile[];
  filesScanned: number;
  /** Per RunInput.textProbes pattern: the paths of the files read in this run whose text it matched. */
  textHits: Set<string>[];
}

type Draft = Omit<Finding, 'fingerprint'>;
type Reporter = (rule: Rule, file?: SourceFile) => (r: ReportInput) => void;

/** Prefilter -> parse candidates -> rules (docs/ARCHITECTURE.md, "Speed"). */
export async function runRules(input: RunInput): Promise<RunResult> {
  const { facts } = input;
  const drafts: Draft[] = [];
  // Errors carry the position of their file in the run, so they come out in file order whichever pass found them.
  const errors: { at: number; error: FileError }[] = [];
  const skipped: SkippedFile[] = [];
  const active = input.rules.filter((r) => severityOf(r, input.severities) !== 'off' && facts.ecosystems.includes(r.meta.ecosystem));

  const reporter: Reporter = (rule, file) => (r) => {
    const draft = toDraft(rule, r, file, input.severities);
    if (draft) drafts.push(draft);
  };

  for (const rule of active) {
    if (!rule.check || input.projectChecks === false) continue;
    try {
      timing.time('rules: project-level checks', () => rule.check!({ facts, report: reporter(rule) }));
    } catch (e) {
      throw e instanceof RuleFailure ? e : new RuleFailure(rule.meta.id, undefined, e);
    }
  }

  const fileRules = active.filter((r) => r.files && r.checkFile);
  const indexRules = fileRules.filter((r) => r.index);
  const languages = new Set(fileRules.flatMap((r) => r.files!.languages));
  const combined = anyOf(fileRules.map((r) => r.files!.prefilter));
  let filesScanned = 0;
  const directives = new Map<string, Directive[]>();

  // One read per file for both passes: the index's candidates (whole project) and the main pass's (the files
  // reported on). Only the texts one of them needs are kept. Files outside the reported ones (a partial run:
  // --staged, --changed) are read for the index only when a reported file is checked by an index rule.
  const mainPaths = new Set(input.files.map((f) => f.path));
  const indexPaths = new Set((input.indexFiles ?? input.files).map((f) => f.path));
  const all = [...(input.indexFiles ?? input.files), ...input.files.filter((f) => !indexPaths.has(f.path))];
  const main: { at: number; ref: SourceFileRef; text: string; rules: Rule[]; hash?: string }[] = [];
  const indexCandidates = new Map<Rule, IndexCandidate[]>(indexRules.map((r) => [r, []]));
  const indexWanting = (ref: SourceFileRef) => (indexPaths.has(ref.path) ? indexRules.filter((r) => r.index!.files.languages.includes(ref.language) && (r.index!.files.include?.(ref.path, facts) ?? true)) : []);
  const forIndex = (at: number, ref: SourceFileRef, text: string, wanting: Rule[]) => {
    for (const r of wanting) if (r.index!.files.prefilter.test(text)) indexCandidates.get(r)!.push({ at, ref, text });
  };
  const probes = input.textProbes ?? [];
  const textHits = probes.map(() => new Set<string>());
  let done = 0;
  all.forEach((ref, at) => {
    if (!mainPaths.has(ref.path)) return;
    input.onProgress?.('reading', ++done, mainPaths.size);
    if (!languages.has(ref.language)) return;
    const taking = fileRules.filter((r) => r.files!.languages.includes(ref.language) && (r.files!.include?.(ref.path, facts) ?? true));
    const wanting = indexWanting(ref);
    // A file no rule's include() takes (config for code rules, a Node app's front-end files) is not read at all.
    if (!taking.length && !wanting.length && !input.configFiles?.has(ref.path)) return;
    const read = timedRead(input, ref.path);
    if (!read.ok) {
      skipped.push({ file: ref.path, reason: read.reason });
      return;
    }
    const t = timing.enabled ? performance.now() : 0;
    forIndex(at, ref, read.text, wanting);
    filesScanned++;
    probes.forEach((p, i) => p.test(read.text) && textHits[i].add(ref.path));
    // Read, but not as UTF-8 (a legacy encoding): analysed, and said so.
    if (read.note) errors.push({ at, error: { file: ref.path, message: read.note } });
    if (input.unusedSuppressions && read.text.includes('statelint-ignore')) directives.set(ref.path, directivesIn(read.text.split('\n')));
    const interested = !combined.test(read.text) ? [] : taking.filter((r) => r.files!.prefilter.test(read.text) && (r.files!.mayReport?.(read.text) ?? true));
    if (interested.length) main.push({ at, ref, text: read.text, rules: interested, hash: input.cache ? sha256(read.text) : undefined });
    if (timing.enabled) timing.add('prefilter', performance.now() - t);
  });
  if (main.some((m) => m.rules.some((r) => r.index))) {
    all.forEach((ref, at) => {
      if (mainPaths.has(ref.path) && languages.has(ref.language)) return; // read above
      const wanting = indexWanting(ref);
      if (!wanting.length) return;
      const read = timedRead(input, ref.path);
      if (read.ok) timing.time('prefilter', () => forIndex(at, ref, read.text, wanting)); // the index never reports a file
    });
    for (const list of indexCandidates.values()) list.sort((a, b) => a.at - b.at);
  }
  timing.count('candidate files (main pass)', main.length);

  // --cache: files whose text (and, for index rules, the index's inputs) are unchanged replay their results.
  const cache = input.cache;
  const indexKey = cache && indexRules.length ? sha256([...indexCandidates].map(([r, files]) => `${r.meta.id}\0${files.map((f) => `${f.ref.path}\0${sha256(f.text)}`).join('\0')}`).join('\n')) : undefined;
  const todo: typeof main = [];
  // Each file's drafts, in file order whether replayed or computed (ties in finalize's sort keep this order).
  const perFile = new Map<string, Draft[]>();
  for (const m of main) {
    const hit = cache?.lookup(m.ref.path, m.hash!, m.rules.some((r) => r.index) ? indexKey : undefined);
    if (!hit) {
      todo.push(m);
      continue;
    }
    perFile.set(m.ref.path, hit.drafts as Draft[]);
    for (const error of hit.errors) errors.push({ at: m.at, error });
  }
  if (cache) timing.count('cache hits', main.length - todo.length);
  // The index only serves the index rules' checkFile: when no file left to check needs it, it is not built.
  const needIndex = indexRules.filter((r) => todo.some((m) => m.rules.includes(r)));
  // Trees the index pass parsed and the main pass will need again are kept for it (parsed once per run).
  const { indexes, trees } = await buildIndexes(needIndex, facts, indexCandidates, new Set(todo.map((m) => m.ref.path)));
  for (const m of todo) m.rules = m.rules.filter((r) => !r.index?.wants || r.index.wants({ path: m.ref.path, text: m.text }, indexes.get(r)));
  timing.count('candidate files left to an index', todo.filter((m) => !m.rules.length).length);
  for (const [i, m] of todo.entries()) {
    input.onProgress?.('analysing', i + 1, todo.length);
    if (!m.rules.length) {
      // Every rule that matched this file left it to its project index: nothing to parse, nothing to report.
      trees.get(m.ref.path)?.dispose();
      trees.delete(m.ref.path);
      perFile.set(m.ref.path, []);
      cache?.store(m.ref.path, m.hash!, indexKey, [], []);
      continue;
    }
    const fileErrors: FileError[] = [];
    const before = drafts.length;
    const parsed = await checkOneFile(m.ref, m.text, m.rules, facts, reporter, fileErrors, indexes, trees.get(m.ref.path), skipped);
    trees.delete(m.ref.path);
    for (const error of fileErrors) errors.push({ at: m.at, error });
    const own = drafts.splice(before);
    perFile.set(m.ref.path, own);
    // A file the parser could not take is listed as skipped; that is not a result to replay from the cache.
    if (parsed) cache?.store(m.ref.path, m.hash!, m.rules.some((r) => r.index) ? indexKey : undefined, own, fileErrors);
  }
  for (const m of main) drafts.push(...(perFile.get(m.ref.path) ?? []));
  if (cache) for (const ref of all) cache.keep(ref.path);
  for (const t of trees.values()) t.dispose();
  errors.sort((a, b) => a.at - b.at);

  const result = timing.time('findings: fingerprints, suppressions', () => finalize(drafts, input, errors.map((e) => e.error), skipped, filesScanned, directives));
  return { ...result, textHits };
}

/**
 * Whether these files can give nothing to report, decided from their text before the project's facts are resolved:
 * each reads as clean UTF-8 and no active rule's prefilter matches it (a rule's include() and checkFile only narrow
 * what its prefilter matched, and an index serves only files the main pass checks). Undefined when a file may give
 * something (a finding, an error, a skipped entry, a directive to report as unused); else the number of files read.
 * Project-level checks are the caller's concern.
 */
export function nothingToReport(input: Pick<RunInput, 'files' | 'read' | 'severities'> & { rules: RuleOutline[]; ecosystems: string[]; reportUnusedSuppressions?: boolean }): number | undefined {
  const active = input.rules.filter((r) => r.files && severityOf(r, input.severities) !== 'off' && input.ecosystems.includes(r.meta.ecosystem));
  // One combined prefilter per language (lint-staged may name hundreds of files).
  const prefilters = new Map<LanguageId, RegExp | undefined>();
  const prefilterOf = (language: LanguageId) => {
    if (!prefilters.has(language)) {
      const rules = active.filter((r) => r.files!.languages.includes(language));
      prefilters.set(language, rules.length ? anyOf(rules.map((r) => r.files!.prefilter)) : undefined);
    }
    return prefilters.get(language);
  };
  let scanned = 0;
  for (const ref of input.files) {
    const prefilter = prefilterOf(ref.language);
    if (!prefilter) continue;
    const read = timedRead(input, ref.path);
    if (!read.ok || read.note) return undefined;
    if (input.reportUnusedSuppressions && read.text.includes('statelint-ignore')) return undefined;
    if (timing.time('prefilter', () => prefilter.test(read.text))) return undefined;
    scanned++;
  }
  return scanned;
}

/**
 * One pre-screen for all rules' prefilters. Their flags are united (i, m, s, u each only widen what matches),
 * so the combined pattern matches whenever one rule's does; each rule's own prefilter decides after it.
 */
export function anyOf(prefilters: RegExp[]): RegExp {
  const flags = [...new Set(prefilters.flatMap((p) => [...p.flags].filter((f) => 'imsu'.includes(f))))].join('');
  return new RegExp(prefilters.map((p) => `(?:${p.source})`).join('|') || '(?!)', flags);
}

interface IndexCandidate {
  /** Position in the run's file order. */
  at: number;
  ref: SourceFileRef;
  text: string;
}

/**
 * The rules' project indexes (docs/ARCHITECTURE.md, "Project index"): of the files each index's prefilter matched,
 * the ones its `select` keeps are parsed once, in project order, before checkFile.
 */
async function buildIndexes(
  rules: Rule[],
  facts: ProjectFacts,
  candidates: Map<Rule, IndexCandidate[]>,
  mainWants: Set<string>,
): Promise<{ indexes: Map<Rule, unknown>; trees: Map<string, ParsedFile<unknown>> }> {
  const out = new Map<Rule, unknown>();
  const trees = new Map<string, ParsedFile<unknown>>();
  if (!rules.length) return { indexes: out, trees };
  // Which rules collect which file, in project order.
  const wanting = new Map<string, IndexCandidate & { rules: Rule[] }>();
  for (const rule of rules) {
    const index = rule.index!.init(facts);
    out.set(rule, index);
    const files = candidates.get(rule) ?? [];
    timing.count('index candidates (prefilter)', files.length);
    const keep = rule.index!.select ? timing.time('index pass: select', () => rule.index!.select!(files.map((f) => ({ path: f.ref.path, text: f.text })), index, facts)) : undefined;
    for (const f of files) {
      if (keep && !keep.has(f.ref.path)) continue;
      const w = wanting.get(f.ref.path) ?? { ...f, rules: [] };
      w.rules.push(rule);
      wanting.set(f.ref.path, w);
    }
  }
  const order = [...wanting.values()].sort((a, b) => a.at - b.at);
  timing.count('index files parsed', order.length);
  for (const { ref, text, rules: interested } of order) {
    const adapter = await loadAdapter(ref.language);
    let parsed;
    try {
      parsed = await timedParse('index pass: parse', adapter, ref, text);
    } catch {
      continue; // the main pass reports files that cannot be parsed
    }
    try {
      const file: SourceFile = { path: ref.path, language: ref.language, text, lines: new LineIndex(text), root: parsed.root, nodesAt: parsed.nodesAt, span: adapter.span };
      for (const rule of interested) {
        try {
          timing.time('index pass: collect', () => rule.index!.collect({ facts, file, index: out.get(rule) }));
        } catch (e) {
          throw e instanceof RuleFailure ? e : new RuleFailure(rule.meta.id, ref.path, e);
        }
      }
    } finally {
      if (mainWants.has(ref.path)) trees.set(ref.path, parsed);
      else parsed.dispose();
    }
  }
  for (const rule of rules) {
    try {
      timing.time('index pass: finish', () => rule.index!.finish?.(out.get(rule), facts));
    } catch (e) {
      throw e instanceof RuleFailure ? e : new RuleFailure(rule.meta.id, undefined, e);
    }
  }
  return { indexes: out, trees };
}

/** Parses one file and runs its rules; false when the parser could not take it (then it is listed as skipped). */
async function checkOneFile(
  ref: SourceFileRef, text: string, rules: Rule[], facts: ProjectFacts, reporter: Reporter, errors: FileError[], indexes: Map<Rule, unknown>, cached: ParsedFile<unknown> | undefined, skipped: SkippedFile[],
): Promise<boolean> {
  const adapter = await loadAdapter(ref.language);
  const lines = new LineIndex(text);
  let parsed;
  try {
    parsed = cached ?? (await timedParse('parse', adapter, ref, text));
  } catch (e) {
    // No tree, no rule ran on it: the file was not analysed (skipped), so no checklist row passes on it.
    skipped.push({ file: ref.path, reason: `could not parse: ${(e as Error).message}` });
    return false;
  }
  try {
    const bad = parsed.firstError();
    if (bad !== undefined) {
      const pos = lines.position(bad);
      errors.push({ file: ref.path, message: `parse error at ${pos.line}:${pos.column}; file partly analysed` });
    }
    const file: SourceFile = { path: ref.path, language: ref.language, text, lines, root: parsed.root, nodesAt: parsed.nodesAt, span: adapter.span };
    for (const rule of rules) {
      const ctx: FileContext = { facts, file, report: reporter(rule, file), index: indexes.get(rule) };
      try {
        timing.time(`rule ${rule.meta.id}`, () => rule.checkFile!(ctx));
      } catch (e) {
        throw e instanceof RuleFailure ? e : new RuleFailure(rule.meta.id, ref.path, e);
      }
    }
  } finally {
    parsed.dispose();
  }
  return true;
}

function timedRead(input: Pick<RunInput, 'read'>, path: string): ReadResult {
  if (!timing.enabled) return input.read(path);
  const t = performance.now();
  const r = input.read(path);
  timing.add('read files', performance.now() - t);
  timing.count('files read');
  if (r.ok) timing.count('characters read', r.text.length);
  return r;
}

async function timedParse(phase: string, adapter: LanguageAdapter<unknown>, ref: SourceFileRef, text: string): Promise<ParsedFile<unknown>> {
  if (!timing.enabled) return adapter.parse(text);
  const t = performance.now();
  try {
    return await adapter.parse(text);
  } finally {
    timing.add(phase, performance.now() - t);
    timing.count(`files parsed (${ref.language})`);
    timing.count('characters parsed', text.length);
  }
}

function severityOf(rule: RuleOutline, overrides: Record<string, SeverityOrOff> | undefined): SeverityOrOff {
  return overrides?.[rule.meta.id] ?? rule.meta.severity;
}

function toDraft(rule: Rule, r: ReportInput, file: SourceFile | undefined, overrides: RunInput['severities']): Draft | undefined {
  const severity = severityOf(rule, overrides);
  if (severity === 'off') return undefined;
  let location: Location | undefined = r.location;
  let related = r.related ?? [];
  if (r.fix && !fixAllowed(rule.meta, r.fix)) throw new Error(`reported a ${r.fix.applicability} fix but its metadata declares fixable: ${rule.meta.fixable}`);
  if (!location && r.node !== undefined && file) {
    const [start, end] = file.span(r.node);
    location = file.lines.location(file.path, start, end);
  }
  if (!location && r.value) {
    const { note: _note, fromEnv: _fromEnv, ...loc } = r.value.origin;
    location = loc;
    related = [...relatedOf(r.value), ...related];
  }
  if (!location) throw new Error(`${rule.meta.id} reported without a location`);
  return {
    ruleId: rule.meta.id,
    category: rule.meta.category as Category,
    severity,
    message: r.message,
    location,
    related,
    remediation: r.remediation ?? rule.meta.remediation,
    fix: r.fix ?? null,
  };
}

function finalize(drafts: Draft[], input: RunInput, errors: FileError[], skipped: SkippedFile[], filesScanned: number, directives: Map<string, Directive[]>): Omit<RunResult, 'textHits'> {
  const used = new Set<string>();
  const texts = new Map<string, LineIndex | null>();
  const linesOf = (file: string) => {
    if (!texts.has(file)) {
      const r = input.read(file);
      texts.set(file, r.ok ? new LineIndex(r.text) : null);
    }
    return texts.get(file) ?? null;
  };
  drafts.sort(
    (a, b) =>
      cmp(a.location.file, b.location.file) || a.location.line - b.location.line || a.location.column - b.location.column || cmp(a.ruleId, b.ruleId),
  );
  const seen = new Set<string>();
  const occurrences = new Map<string, number>();
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  // Per line, computed once: many findings on one long line cost one pass over it (linear), not one each
  // (issue 11 item 7). Lines up to LIMITS.longLine are used whole, so ordinary fingerprints do not change.
  const identities = new Map<string, { identity: string; folded: string }>();
  const suppressions = new Map<string, { s: ReturnType<typeof findSuppression> }>();
  for (const d of drafts) {
    const dedupe = `${d.ruleId}|${d.location.file}|${d.location.line}|${d.location.column}|${d.message}`;
    if (seen.has(dedupe)) continue;
    seen.add(dedupe);
    const lines = linesOf(d.location.file);
    const lineKey = `${d.location.file}\0${d.location.line}`;
    let id = identities.get(lineKey);
    if (!id) {
      const identity = lineIdentity(lines?.lineText(d.location.line) ?? '');
      id = { identity, folded: identity.replace(/\s+/g, ' ').trim() };
      identities.set(lineKey, id);
    }
    const key = `${d.ruleId}|${d.location.file}|${id.folded}`;
    const occurrence = occurrences.get(key) ?? 0;
    occurrences.set(key, occurrence + 1);
    const finding: Finding = { ...d, fingerprint: fingerprint(d.ruleId, d.location.file, id.identity, occurrence) };
    const suppressionKey = `${lineKey}\0${d.ruleId}`;
    let found = suppressions.get(suppressionKey);
    if (!found) {
      const above = lines ? Array.from({ length: Math.min(5, d.location.line - 1) }, (_, i) => suppressionView(lines.lineText(d.location.line - 1 - i))) : [];
      found = { s: lines ? findSuppression(d.ruleId, suppressionView(lines.lineText(d.location.line)), above) : undefined };
      suppressions.set(suppressionKey, found);
    }
    const s = found.s;
    if (s) {
      suppressed.push({ ...finding, suppression: { kind: 'inline', reason: s.reason } });
      used.add(`${d.location.file}:${d.location.line - s.linesAbove}`);
    } else findings.push(finding);
  }
  if (input.unusedSuppressions) findings.push(...unusedDirectives(directives, used, input.unusedSuppressions.knownRuleIds, linesOf));
  return { findings, suppressed, errors, skipped, filesScanned };
}

function unusedDirectives(directives: Map<string, Directive[]>, used: Set<string>, known: Set<string>, linesOf: (file: string) => LineIndex | null): Finding[] {
  const out: Finding[] = [];
  for (const [file, list] of directives) {
    for (const d of list) {
      const unknownIds = d.ids === 'all' ? [] : d.ids.filter((id) => !known.has(id));
      if (used.has(`${file}:${d.line}`) && !unknownIds.length) continue;
      const lineText = linesOf(file)?.lineText(d.line) ?? '';
      const message = unknownIds.length
        ? `statelint-ignore names unknown rule${unknownIds.length === 1 ? '' : 's'} ${unknownIds.join(', ')}`
        : 'statelint-ignore suppresses nothing on this line or the next: remove it';
      const location = linesOf(file)?.lineLocation(file, d.line) ?? { file, line: d.line, column: 1, endLine: d.line, endColumn: 1 };
      out.push({ ruleId: UNUSED_SUPPRESSION.id, category: UNUSED_SUPPRESSION.category, severity: UNUSED_SUPPRESSION.severity, message, location, related: [], remediation: UNUSED_SUPPRESSION.remediation, fix: null, fingerprint: fingerprint(UNUSED_SUPPRESSION.id, file, lineText, 0) });
    }
  }
  return out;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
