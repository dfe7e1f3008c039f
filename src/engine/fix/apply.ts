import type { FixFileAccess, FixReadResult } from './types.js';
import type { Applicability, FileChange, FixEdit, FixProposal } from './types.js';

export interface ProposedFix {
  ruleId: string;
  fingerprint: string;
  fix: FixProposal;
}

export interface FixPassInput {
  /** findings' fixes of the current state */
  fixes: ProposedFix[];
}

export interface ApplyOptions {
  files: FixFileAccess;
  /** which applicabilities are applied ('suggestion' never is) */
  allow: { unsafe: boolean };
  /** re-runs the audit on the current state of the files and returns the fixes it finds (the core re-parses and re-resolves config each pass) */
  collect(files: FixFileAccess): Promise<FixPassInput>;
  /** returns parse-error descriptions for a file's new text, or [] when it parses (the core passes PHP/Blade/TS parsers here) */
  parseErrors(file: string, text: string): Promise<string[]>;
  /** default 10 */
  maxPasses?: number;
}

export interface AppliedFix {
  ruleId: string;
  fingerprint: string;
  title: string;
  applicability: Applicability;
  files: string[];
}

export interface DroppedFix {
  ruleId: string;
  title: string;
  reason: string;
}

export interface ApplyResult {
  applied: AppliedFix[];
  dropped: DroppedFix[];
  changedFiles: FileChange[];
  passes: number;
  /** false when fixes were still applicable after maxPasses passes */
  converged: boolean;
}

/** A failure of collect, parseErrors or writeAll; `result` tells what had been written before it. */
export class FixRunError extends Error {
  constructor(message: string, readonly result: ApplyResult, options: { cause: unknown }) {
    super(message, options);
    this.name = 'FixRunError';
  }
}

export const DEFAULT_MAX_PASSES = 10;

/**
 * Applies the allowed fixes pass by pass, as Ruff and ESLint do: each pass takes non-overlapping fixes in
 * (file, offset) order, drops any that would add a parse error, writes the pass all-or-nothing and re-collects,
 * until no applicable fix remains or `maxPasses` passes have written.
 */
export async function applyFixes(opts: ApplyOptions): Promise<ApplyResult> {
  const maxPasses = opts.maxPasses ?? DEFAULT_MAX_PASSES;
  const applied: AppliedFix[] = [];
  const dropped: DroppedFix[] = [];
  const originals = new Map<string, string>();
  const latest = new Map<string, string>();
  const appliedKeys = new Set<string>();
  // Findings whose fix was dropped: a fix that broke the file once is not retried at other offsets.
  const settled = new Set<string>();
  const parse = parseMemo(opts.parseErrors);
  let passes = 0;

  const drop = (proposed: ProposedFix, reason: string): void => {
    settled.add(findingKey(proposed));
    dropped.push({ ruleId: proposed.ruleId, title: proposed.fix.title, reason });
  };
  const result = (converged: boolean): ApplyResult => ({
    applied,
    dropped,
    changedFiles: [...latest]
      .map(([file, after]) => ({ file, before: originals.get(file) ?? after, after }))
      .filter((c) => c.before !== c.after)
      .sort((a, b) => compareText(a.file, b.file)),
    passes,
    converged,
  });

  try {
    let input = await opts.collect(opts.files);
    for (;;) {
      const candidates = applicable(input.fixes, opts.allow, settled, appliedKeys, drop);
      if (candidates.length === 0) return result(true);
      if (passes === maxPasses) return result(false);

      const pass = await runPass(candidates, opts.files, parse, drop);
      if (pass.accepted.length === 0) continue; // every candidate was dropped: the rest may go next round

      const writes = [...pass.texts].filter(([file, text]) => text !== pass.base.get(file));
      if (writes.length > 0) opts.files.writeAll(writes.map(([file, text]) => ({ file, text })));
      for (const [file, text] of writes) {
        if (!originals.has(file)) originals.set(file, pass.base.get(file) ?? '');
        latest.set(file, text);
      }
      for (const proposed of pass.accepted) {
        appliedKeys.add(fixKey(proposed));
        applied.push({ ruleId: proposed.ruleId, fingerprint: proposed.fingerprint, title: proposed.fix.title, applicability: proposed.fix.applicability, files: filesOf(proposed.fix.edits) });
      }
      passes++;
      input = await opts.collect(opts.files);
    }
  } catch (e) {
    throw new FixRunError(`fixing stopped after ${passes} pass(es): ${e instanceof Error ? e.message : String(e)}`, result(false), { cause: e });
  }
}

/** The fixes this run may apply now; a fix that was applied already and is proposed again is dropped. */
function applicable(
  fixes: ProposedFix[],
  allow: { unsafe: boolean },
  settled: Set<string>,
  appliedKeys: Set<string>,
  drop: (proposed: ProposedFix, reason: string) => void,
): ProposedFix[] {
  const taken = new Map<string, ProposedFix>();
  for (const proposed of fixes) {
    const { applicability } = proposed.fix;
    if (applicability === 'suggestion' || (applicability === 'unsafe' && !allow.unsafe)) continue;
    if (settled.has(findingKey(proposed))) continue;
    const key = fixKey(proposed);
    if (appliedKeys.has(key)) drop(proposed, 'the same fix was applied already and its finding is still reported, so it does not clear it');
    else taken.set(key, proposed);
  }
  return [...taken.values()];
}

interface PassOutcome {
  /** fixes kept this pass, in (file, offset) order */
  accepted: ProposedFix[];
  /** the text of every file read this pass, before the pass */
  base: Map<string, string>;
  /** the text of every file the kept fixes touch, after the pass */
  texts: Map<string, string>;
}

async function runPass(
  candidates: ProposedFix[],
  files: FixFileAccess,
  parse: ParseMemo,
  drop: (proposed: ProposedFix, reason: string) => void,
): Promise<PassOutcome> {
  const base = new Map<string, string>();
  const readBase = (file: string): FixReadResult => {
    const known = base.get(file);
    if (known !== undefined) return { ok: true, text: known };
    const read = files.read(file);
    if (read.ok) base.set(file, read.text);
    return read;
  };

  const valid: ProposedFix[] = [];
  for (const proposed of candidates) {
    const problem = invalidEdits(proposed.fix.edits, readBase);
    if (problem) drop(proposed, problem);
    else valid.push(proposed);
  }
  valid.sort(byFirstEdit);

  // Overlapping (or touching) fixes wait for the next pass, where they are re-collected against the new text.
  const taken: ProposedFix[] = [];
  const claimed = new Map<string, [number, number][]>();
  for (const proposed of valid) {
    const overlaps = proposed.fix.edits.some((e) => (claimed.get(e.file) ?? []).some(([start, end]) => e.range[0] <= end && start <= e.range[1]));
    if (overlaps) continue;
    for (const e of proposed.fix.edits) claimed.set(e.file, [...(claimed.get(e.file) ?? []), e.range]);
    taken.push(proposed);
  }

  const together = textsAfter(taken, base);
  for (const [file, text] of together) {
    if (await parse.newError(file, base.get(file) ?? '', text)) return keepOneByOne(taken, base, parse, drop);
  }
  return { accepted: taken, base, texts: together };
}

/** Finds the fixes that add parse errors by adding the fixes one at a time, keeping each that leaves its files parsing. */
async function keepOneByOne(
  fixes: ProposedFix[],
  base: Map<string, string>,
  parse: ParseMemo,
  drop: (proposed: ProposedFix, reason: string) => void,
): Promise<PassOutcome> {
  const kept: ProposedFix[] = [];
  let texts = new Map<string, string>();
  for (const proposed of fixes) {
    const trial = textsAfter([...kept, proposed], base);
    let culprit: string | undefined;
    for (const file of filesOf(proposed.fix.edits)) {
      const error = await parse.newError(file, base.get(file) ?? '', trial.get(file) ?? '');
      if (error) {
        culprit = `would leave ${file} with a new parse error: ${error}`;
        break;
      }
    }
    if (culprit) {
      drop(proposed, culprit);
      continue;
    }
    kept.push(proposed);
    texts = trial;
  }
  return { accepted: kept, base, texts };
}

/** Why a fix's edits cannot be applied to the files as they are, or undefined when they can. */
function invalidEdits(edits: FixEdit[], read: (file: string) => FixReadResult): string | undefined {
  if (edits.length === 0) return 'the fix has no edits';
  for (const { file, range } of edits) {
    const current = read(file);
    if (!current.ok) return `cannot read ${file}: ${current.reason}`;
    const [start, end] = range;
    const shown = `edit range [${start}, ${end})`;
    if (!Number.isInteger(start) || !Number.isInteger(end)) return `${shown} in ${file} is not a pair of whole offsets`;
    if (start > end) return `${shown} in ${file} ends before it starts`;
    if (start < 0 || end > current.text.length) return `${shown} outside the file ${file} (${current.text.length} characters)`;
    if (splitsSurrogatePair(current.text, start) || splitsSurrogatePair(current.text, end)) return `${shown} in ${file} splits a character`;
  }
  for (const [file, ranges] of rangesByFile(edits)) {
    for (let i = 1; i < ranges.length; i++) {
      if (ranges[i][0] < ranges[i - 1][1]) return `the fix's edits overlap each other in ${file}`;
    }
  }
  return undefined;
}

/** The new text of each file the fixes touch; the fixes' edits must not overlap. */
function textsAfter(fixes: ProposedFix[], base: Map<string, string>): Map<string, string> {
  const byFile = new Map<string, FixEdit[]>();
  for (const e of fixes.flatMap((f) => f.fix.edits)) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const texts = new Map<string, string>();
  for (const [file, edits] of byFile) {
    const text = base.get(file) ?? '';
    let out = '';
    let at = 0;
    for (const e of sortedEdits(edits)) {
      out += text.slice(at, e.range[0]) + e.text;
      at = e.range[1];
    }
    texts.set(file, out + text.slice(at));
  }
  return texts;
}

interface ParseMemo {
  /** The first parse error `after` has that `before` has not (as described by the parser), if any. */
  newError(file: string, before: string, after: string): Promise<string | undefined>;
}

/**
 * Remembers each file's last parsed base and last parsed trial text, so a trial never evicts the base it is
 * compared with and a pass's result is not parsed again as the next pass's base. Errors are compared by
 * description: a pre-existing error whose position moves counts as new, which drops the fix and errs
 * towards leaving the file alone.
 */
function parseMemo(parseErrors: ApplyOptions['parseErrors']): ParseMemo {
  type Parsed = { text: string; errors: string[] };
  const bases = new Map<string, Parsed>();
  const trials = new Map<string, Parsed>();
  const errorsOf = async (file: string, text: string, keepIn: Map<string, Parsed>): Promise<string[]> => {
    const known = [bases.get(file), trials.get(file)].find((parsed) => parsed?.text === text);
    const parsed = known ?? { text, errors: await parseErrors(file, text) };
    keepIn.set(file, parsed);
    return parsed.errors;
  };
  return {
    async newError(file, before, after) {
      const unmatched = [...(await errorsOf(file, before, bases))];
      for (const error of await errorsOf(file, after, trials)) {
        const i = unmatched.indexOf(error);
        if (i < 0) return error;
        unmatched.splice(i, 1);
      }
      return undefined;
    },
  };
}

/** Stable, so edits of one fix at the same offset keep the order the rule gave them. */
function sortedEdits(edits: FixEdit[]): FixEdit[] {
  return [...edits].sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1]);
}

function rangesByFile(edits: FixEdit[]): Map<string, [number, number][]> {
  const byFile = new Map<string, [number, number][]>();
  for (const e of sortedEdits(edits)) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e.range]);
  return byFile;
}

function byFirstEdit(a: ProposedFix, b: ProposedFix): number {
  const x = firstEdit(a.fix.edits);
  const y = firstEdit(b.fix.edits);
  return compareText(x.file, y.file) || x.range[0] - y.range[0] || compareText(a.ruleId, b.ruleId) || compareText(a.fingerprint, b.fingerprint);
}

function firstEdit(edits: FixEdit[]): FixEdit {
  return edits.reduce((first, e) => (compareText(e.file, first.file) < 0 || (e.file === first.file && e.range[0] < first.range[0]) ? e : first));
}

function splitsSurrogatePair(text: string, offset: number): boolean {
  const before = text.charCodeAt(offset - 1);
  const after = text.charCodeAt(offset);
  return before >= 0xd800 && before <= 0xdbff && after >= 0xdc00 && after <= 0xdfff;
}

function filesOf(edits: FixEdit[]): string[] {
  return [...new Set(edits.map((e) => e.file))].sort(compareText);
}

function findingKey(proposed: ProposedFix): string {
  return JSON.stringify([proposed.ruleId, proposed.fingerprint]);
}

function fixKey(proposed: ProposedFix): string {
  return JSON.stringify([proposed.ruleId, proposed.fingerprint, proposed.fix.edits.map((e) => [e.file, e.range, e.text])]);
}

/** Code-unit order, the same on every machine (unlike localeCompare). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
