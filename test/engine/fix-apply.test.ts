import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diskFixFiles, memoryFixFiles } from '../../src/project/fix-files.js';
import {
  applyFixes,
  FixRunError,
  type Applicability,
  type ApplyOptions,
  type FixFileAccess,
  type ProposedFix,
} from '../../src/engine/fix/index.js';

/** A stand-in rule: given a file's current text, the fixes it proposes. */
type Rule = (file: string, text: string) => ProposedFix[];

/** A stand-in for the core's audit: runs the rules over the listed files as they are now. */
function auditOf(paths: string[], rules: Rule[]): ApplyOptions['collect'] {
  return async (files) => ({
    fixes: paths.flatMap((file) => {
      const read = files.read(file);
      return read.ok ? rules.flatMap((rule) => rule(file, read.text)) : [];
    }),
  });
}

/** A stand-in for the core's parsers: reports each unbalanced brace, without position so it survives shifts. */
async function braceErrors(_file: string, text: string): Promise<string[]> {
  let depth = 0;
  const errors: string[] = [];
  for (const ch of text) {
    if (ch === '{') depth++;
    if (ch === '}' && --depth < 0) {
      errors.push('unexpected }');
      depth = 0;
    }
  }
  for (let i = 0; i < depth; i++) errors.push('unclosed {');
  return errors;
}

function fix(ruleId: string, fingerprint: string, file: string, range: [number, number], text: string, applicability: Applicability = 'safe'): ProposedFix {
  return { ruleId, fingerprint, fix: { title: `${ruleId} fix`, applicability, edits: [{ file, range, text }] } };
}

/** Replaces every `needle` with `replacement`, one fix per occurrence. */
function replaceRule(ruleId: string, needle: string, replacement: string, applicability: Applicability = 'safe'): Rule {
  return (file, text) => {
    const fixes: ProposedFix[] = [];
    for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
      fixes.push(fix(ruleId, `${file}#${fixes.length}`, file, [at, at + needle.length], replacement, applicability));
    }
    return fixes;
  };
}

/** Counts the number in the file down by one per pass: a finding that takes N passes to clear. */
const countdown: Rule = (file, text) => {
  const match = /\d+/.exec(text);
  if (!match || match[0] === '0') return [];
  return [fix('countdown', file, file, [match.index, match.index + match[0].length], String(Number(match[0]) - 1))];
};

function run(files: FixFileAccess, paths: string[], rules: Rule[], extra: Partial<ApplyOptions> = {}) {
  return applyFixes({ files, allow: { unsafe: false }, collect: auditOf(paths, rules), parseErrors: braceErrors, ...extra });
}

describe('applyFixes', () => {
  it('applies fixes across files in one pass and keeps CRLF and indentation', async () => {
    const files = memoryFixFiles({ 'config/session.php': "<?php\r\n    'driver' => 'file',\r\n", 'config/cache.php': "\t'default' => 'file',\n" });
    const result = await run(files, ['config/session.php', 'config/cache.php'], [replaceRule('driver', "'file'", "'redis'")]);
    expect(result).toMatchObject({ passes: 1, converged: true, dropped: [] });
    expect(result.applied.map((a) => a.files)).toEqual([['config/cache.php'], ['config/session.php']]);
    expect(result.changedFiles).toEqual([
      { file: 'config/cache.php', before: "\t'default' => 'file',\n", after: "\t'default' => 'redis',\n" },
      { file: 'config/session.php', before: "<?php\r\n    'driver' => 'file',\r\n", after: "<?php\r\n    'driver' => 'redis',\r\n" },
    ]);
    expect(files.changes()).toEqual(result.changedFiles);
  });

  it('defers a fix that overlaps or touches an accepted one to the next pass', async () => {
    const upper: Rule = (file, text) => {
      const at = text.indexOf('abc');
      return at < 0 ? [] : [fix('a-upper', file, file, [at, at + 3], 'ABC')];
    };
    const bracket: Rule = (file, text) => {
      const at = text.search(/(?<!\[)abc/i);
      return at < 0 ? [] : [{ ruleId: 'b-bracket', fingerprint: file, fix: { title: 'bracket', applicability: 'safe', edits: [{ file, range: [at, at], text: '[' }, { file, range: [at + 3, at + 3], text: ']' }] } }];
    };
    const files = memoryFixFiles({ 'a.txt': 'x abc y' });
    const result = await run(files, ['a.txt'], [upper, bracket]);
    expect(result).toMatchObject({ passes: 2, converged: true, dropped: [] });
    expect(result.applied.map((a) => a.ruleId)).toEqual(['a-upper', 'b-bracket']);
    expect(files.read('a.txt')).toEqual({ ok: true, text: 'x [ABC] y' });
  });

  it('converges in as many passes as the fixes need', async () => {
    const files = memoryFixFiles({ 'n.txt': 'count = 3;\n' });
    const result = await run(files, ['n.txt'], [countdown]);
    expect(result).toMatchObject({ passes: 3, converged: true });
    expect(files.read('n.txt')).toEqual({ ok: true, text: 'count = 0;\n' });
  });

  it('stops after maxPasses (10 by default) without converging', async () => {
    const files = memoryFixFiles({ 'n.txt': '20' });
    const result = await run(files, ['n.txt'], [countdown]);
    expect(result).toMatchObject({ passes: 10, converged: false });
    expect(files.read('n.txt')).toEqual({ ok: true, text: '10' });
    expect(await run(memoryFixFiles({ 'n.txt': '20' }), ['n.txt'], [countdown], { maxPasses: 2 })).toMatchObject({ passes: 2, converged: false });
  });

  it('drops a fix that adds a parse error, reports it, applies the others and does not retry it', async () => {
    const files = memoryFixFiles({ 'app/X.php': 'function a() { return 1; }\nold();\n', 'app/Y.php': 'old();\n' });
    const opensBrace = replaceRule('breaks', 'return 1;', 'return {1;');
    const result = await run(files, ['app/X.php', 'app/Y.php'], [opensBrace, replaceRule('renames', 'old()', 'new()')]);
    expect(result.dropped).toEqual([{ ruleId: 'breaks', title: 'breaks fix', reason: 'would leave app/X.php with a new parse error: unclosed {' }]);
    expect(result.applied.map((a) => `${a.ruleId} ${a.files.join()}`)).toEqual(['renames app/X.php', 'renames app/Y.php']);
    expect(result).toMatchObject({ passes: 1, converged: true });
    expect(files.read('app/X.php')).toEqual({ ok: true, text: 'function a() { return 1; }\nnew();\n' });
  });

  it('finds the culprit when fixes break a file only together', async () => {
    // each closes the one open brace alone; together they close one too many
    const files = memoryFixFiles({ 'a.php': '{ a b' });
    const result = await run(files, ['a.php'], [replaceRule('closes-a', 'a', '}'), replaceRule('closes-b', 'b', '}')]);
    expect(result.dropped).toEqual([{ ruleId: 'closes-b', title: 'closes-b fix', reason: 'would leave a.php with a new parse error: unexpected }' }]);
    expect(result).toMatchObject({ passes: 1, converged: true });
    expect(files.read('a.php')).toEqual({ ok: true, text: '{ } b' });
  });

  it('fixes a file that already has a parse error, as long as the fix adds none', async () => {
    const files = memoryFixFiles({ 'a.php': 'old() {' });
    const result = await run(files, ['a.php'], [replaceRule('renames', 'old', 'new')]);
    expect(result).toMatchObject({ dropped: [], converged: true });
    expect(files.read('a.php')).toEqual({ ok: true, text: 'new() {' });
  });

  it('rejects invalid edits with a reason and still applies the valid fixes', async () => {
    const files = memoryFixFiles({ 'a.php': 'abc', 'b.php': '😀' });
    const broken: Rule = (file, text) =>
      file !== 'a.php' || text !== 'abc'
        ? []
        : [
            fix('outside', '1', 'a.php', [1, 99], 'x'),
            fix('reversed', '2', 'a.php', [2, 1], 'x'),
            fix('negative', '3', 'a.php', [-1, 0], 'x'),
            fix('missing', '4', 'gone.php', [0, 0], 'x'),
            fix('half-emoji', '5', 'b.php', [1, 2], 'x'),
            { ruleId: 'self-overlap', fingerprint: '6', fix: { title: 'self-overlap fix', applicability: 'safe', edits: [{ file: 'a.php', range: [0, 2], text: 'x' }, { file: 'a.php', range: [1, 3], text: 'y' }] } },
            { ruleId: 'empty', fingerprint: '7', fix: { title: 'empty fix', applicability: 'safe', edits: [] } },
            fix('valid', '8', 'a.php', [0, 1], 'A'),
          ];
    const result = await run(files, ['a.php'], [broken]);
    expect(result.dropped.map((d) => `${d.ruleId}: ${d.reason}`)).toEqual([
      'outside: edit range [1, 99) outside the file a.php (3 characters)',
      'reversed: edit range [2, 1) in a.php ends before it starts',
      'negative: edit range [-1, 0) outside the file a.php (3 characters)',
      'missing: cannot read gone.php: no such file',
      'half-emoji: edit range [1, 2) in b.php splits a character',
      "self-overlap: the fix's edits overlap each other in a.php",
      'empty: the fix has no edits',
    ]);
    expect(result.applied.map((a) => a.ruleId)).toEqual(['valid']);
    expect(files.read('a.php')).toEqual({ ok: true, text: 'Abc' });
  });

  it('never applies a suggestion, and an unsafe fix only when allowed', async () => {
    const rules = [replaceRule('suggests', 'a', 'A', 'suggestion'), replaceRule('risky', 'b', 'B', 'unsafe'), replaceRule('sure', 'c', 'C')];
    const safeOnly = memoryFixFiles({ 'f.txt': 'abc' });
    expect(await run(safeOnly, ['f.txt'], rules)).toMatchObject({ converged: true, dropped: [] });
    expect(safeOnly.read('f.txt')).toEqual({ ok: true, text: 'abC' });

    const withUnsafe = memoryFixFiles({ 'f.txt': 'abc' });
    const result = await run(withUnsafe, ['f.txt'], rules, { allow: { unsafe: true } });
    expect(result.applied.map((a) => `${a.ruleId} ${a.applicability}`)).toEqual(['risky unsafe', 'sure safe']);
    expect(withUnsafe.read('f.txt')).toEqual({ ok: true, text: 'aBC' });
  });

  it('drops a fix that comes back unchanged after it was applied instead of looping', async () => {
    const files = memoryFixFiles({ 'a.php': 'x' });
    const stubborn: Rule = (file) => [fix('stubborn', 'fp', file, [0, 0], '// ')];
    const result = await run(files, ['a.php'], [stubborn]);
    expect(result.dropped).toEqual([{ ruleId: 'stubborn', title: 'stubborn fix', reason: 'the same fix was applied already and its finding is still reported, so it does not clear it' }]);
    expect(result).toMatchObject({ passes: 1, converged: true });
    expect(files.read('a.php')).toEqual({ ok: true, text: '// x' });
  });

  it('applies a fix that spans several files as one', async () => {
    const files = memoryFixFiles({ 'a.php': 'use Old;', 'b.php': 'Old::x();' });
    const rename: Rule = (file, text) =>
      file !== 'a.php' || !text.includes('Old') ? [] : [{ ruleId: 'rename', fingerprint: 'r', fix: { title: 'rename Old', applicability: 'safe', edits: [{ file: 'b.php', range: [0, 3], text: 'New' }, { file: 'a.php', range: [4, 7], text: 'New' }] } }];
    const result = await run(files, ['a.php', 'b.php'], [rename]);
    expect(result.applied).toEqual([{ ruleId: 'rename', fingerprint: 'r', title: 'rename Old', applicability: 'safe', files: ['a.php', 'b.php'] }]);
    expect(files.changes().map((c) => c.after)).toEqual(['use New;', 'New::x();']);
  });

  it('does nothing when there is nothing to fix, so a second run changes nothing', async () => {
    const untouchable: FixFileAccess = {
      read: () => {
        throw new Error('no read expected');
      },
      writeAll: () => {
        throw new Error('no write expected');
      },
    };
    expect(await applyFixes({ files: untouchable, allow: { unsafe: true }, collect: async () => ({ fixes: [] }), parseErrors: braceErrors })).toEqual({
      applied: [],
      dropped: [],
      changedFiles: [],
      passes: 0,
      converged: true,
    });

    const files = memoryFixFiles({ 'n.txt': '2' });
    await run(files, ['n.txt'], [countdown]);
    const again = await run(files, ['n.txt'], [countdown]);
    expect(again).toMatchObject({ applied: [], changedFiles: [], passes: 0, converged: true });
  });

  it('reports what was written before a write failed', async () => {
    const memory = memoryFixFiles({ 'n.txt': '3' });
    let writes = 0;
    const failsSecondWrite: FixFileAccess = {
      read: (file) => memory.read(file),
      writeAll: (changes) => {
        if (++writes === 2) throw new Error('disk full');
        memory.writeAll(changes);
      },
    };
    const failure = await run(failsSecondWrite, ['n.txt'], [countdown]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(FixRunError);
    expect((failure as FixRunError).message).toBe('fixing stopped after 1 pass(es): disk full');
    expect((failure as FixRunError).result).toMatchObject({ passes: 1, converged: false, changedFiles: [{ file: 'n.txt', before: '3', after: '2' }] });
  });

  it('fixes files on disk keeping BOM and CRLF', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'statelint-fix-apply-'));
    try {
      writeFileSync(path.join(root, 'session.php'), "\uFEFF<?php\r\nreturn ['driver' => 'file'];\r\n");
      const result = await run(diskFixFiles(root), ['session.php'], [replaceRule('driver', "'file'", "'redis'")]);
      expect(result).toMatchObject({ passes: 1, converged: true });
      expect(readFileSync(path.join(root, 'session.php'), 'utf8')).toBe("\uFEFF<?php\r\nreturn ['driver' => 'redis'];\r\n");
      expect(result.changedFiles[0].before.startsWith('<?php')).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
