/**
 * Which of the files the upload index's prefilter matched must be parsed (issue 10: the index pre-pass parsed
 * every file that mentions `->file(`, `copy(`, `Storage::`...). Decided on the text alone, and only ever
 * over-approximating: a file is left out only when nothing it holds can take part in a flow from an upload to
 * a write (support/upload-flow.ts), so the index and its findings are the same as with every file parsed.
 *
 * - A file that can hold a write (sink) is parsed.
 * - A file that names (as a word) a class declared in a parsed file is parsed: it may call it, extend it, use
 *   it as a trait, declare a class of the same name (the index keeps the last), or hand it an upload. Flows go
 *   from a caller to a callee only through such names (`new X`, `X::m()`, `X $param`, `$this->m()` of its own
 *   or a parent class, which `extends` names), so a file outside this closure cannot reach a write.
 * - Disk constants (`Storage::disk(Disks::UPLOADS)`, `self::DISK`) are looked up in the named class, its
 *   parents and traits: a writing file's `X::`, `extends`, `use` names are parsed too, with their parents.
 */
/**
 * A declaration starts a line or follows `;`, a brace, `?>`/`<?php`, an attribute's `]` or a comment's `/`:
 * not "the class that..." in a doc comment, which would make every file that says "that" a caller.
 */
const WORD_CLASS = /(?:^|[;{}\]>/]|\bphp)\s*(?:(?:abstract|final|readonly)\s+)*(?:class|trait)\s+(\w+)/gm;
const LOCAL_PATH = /\b(?:storage_path|public_path)\s*\(/;

/** Could this file hold a write flowOf() reports? (Each clause mirrors a sink there; a superset of them.) */
export function mayHoldUploadWrite(text: string): boolean {
  if (/->\s*store(?:As|Publicly|PubliclyAs)?\s*\(/.test(text)) return true;
  if (/Storage/.test(text) && /(?:->|::)\s*(?:put|putFile|putFileAs|writeStream)\s*\(/.test(text)) return true;
  // An image's ->save() into a disk's ->path() or a literal path (flowOf's saveTarget) needs no storage_path().
  if (/->\s*save\s*\(\s*[^\s)]/.test(text) && (LOCAL_PATH.test(text) || /(?:->|::)\s*path\s*\(|->\s*save\s*\(\s*['"]/.test(text))) return true;
  return LOCAL_PATH.test(text) && /(?:->\s*move|\b(?:file_put_contents|copy|rename|move_uploaded_file))\s*\(/.test(text);
}

/** Class and trait names a file declares (by text: comments and strings may add names, which only widens). */
function declared(text: string): string[] {
  return [...text.matchAll(WORD_CLASS)].map((m) => m[1].toLowerCase());
}

/** Names a file reaches for constants: `X::`, `extends X`, `use A\B\X`, `use T1, T2` (last segments). */
function constantSources(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/([\w\\]+)\s*::/g)) out.push(m[1]);
  for (const m of text.matchAll(/\bextends\s+([\w\\]+)/g)) out.push(m[1]);
  for (const m of text.matchAll(/\buse\s+([^;{]+)/g)) out.push(...m[1].split(/[\s,]+/));
  return out.map((n) => n.split('\\').pop()!.toLowerCase()).filter((n) => /^\w+$/.test(n));
}

/** The paths to parse, in input order. */
export function selectUploadFiles(files: { path: string; text: string }[]): Set<string> {
  const chosen = new Set<string>();
  const declaredBy = new Map<string, string[]>();
  const decl = files.map((f) => declared(f.text));
  files.forEach((f, i) => {
    for (const n of decl[i]) declaredBy.set(n, [...(declaredBy.get(n) ?? []), f.path]);
  });
  const byPath = new Map(files.map((f, i) => [f.path, i]));
  // Constants: forward from every writing file through the classes it names, and their parents and traits.
  const forward: number[] = [];
  const addForward = (i: number) => {
    if (chosen.has(files[i].path)) return;
    chosen.add(files[i].path);
    forward.push(i);
  };
  files.forEach((f, i) => mayHoldUploadWrite(f.text) && addForward(i));
  const writers = [...forward];
  for (let k = 0; k < forward.length; k++) {
    const i = forward[k];
    // Writers name the constants' classes; the classes found that way only need their parents and traits.
    const names = writers.includes(i) ? constantSources(files[i].text) : parentsAndTraits(files[i].text);
    for (const n of names) for (const p of declaredBy.get(n) ?? []) addForward(byPath.get(p)!);
  }
  // Callers: every file that names a class declared in a chosen file, to a fixed point.
  let pendingNames = new Set([...chosen].flatMap((p) => decl[byPath.get(p)!]));
  const seenNames = new Set<string>();
  while (pendingNames.size) {
    for (const n of pendingNames) seenNames.add(n);
    const words = new RegExp(`\\b(?:${[...pendingNames].map(escape).join('|')})\\b`, 'i');
    const next = new Set<string>();
    files.forEach((f, i) => {
      if (chosen.has(f.path) || !words.test(f.text)) return;
      chosen.add(f.path);
      for (const n of decl[i]) if (!seenNames.has(n)) next.add(n);
    });
    pendingNames = next;
  }
  return new Set(files.filter((f) => chosen.has(f.path)).map((f) => f.path));
}

function parentsAndTraits(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bextends\s+([\w\\]+)/g)) out.push(m[1]);
  const body = text.search(/\b(?:class|trait)\s+\w/);
  if (body >= 0) for (const m of text.slice(body).matchAll(/\buse\s+([^;{]+)/g)) out.push(...m[1].split(/[\s,]+/));
  return out.map((n) => n.split('\\').pop()!.toLowerCase()).filter((n) => /^\w+$/.test(n));
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
