import type { ts as T } from 'ts-morph';
import { ts } from '../../../src/ecosystems/node/ast.js';

/**
 * A text screen for node/in-memory-shared-state (its `mayReport`): can this file hold a finding at all?
 * Its prefilter matches most files of a real app (any top-level `const x = {` or `[`), and parsing them was most
 * of the audit's parse time (outline: 60 of 83 parsed files were there for this rule only).
 *
 * The rule reports a container only when it is declared with a container initialiser (`X = new Map()`, `{`, `[`,
 * a cache package) and written through its name (`X.set(`, `X[k] =`, `X.k =`, `delete X.k`, `X.k++`). So the
 * screen answers true when some name has both shapes in the text; it must be exact or wider than checkFile, so
 * anything it cannot read for sure (comments inside a type, strings in brackets, escapes in names) counts as
 * "may". Comments and strings are not told apart from code: a name in a comment only widens the answer.
 * Singleton fields (Nest classes), cache packages and CacheModule are not screened: their files always pass.
 */

/**
 * Files the screen leaves to the parse: member candidates need one of these decorators, cache candidates an import;
 * Flow files (`@flow`) do not parse as TypeScript, and the parse is what lists them as partly analysed.
 */
const ALWAYS = /@flow|Injectable|Controller|WebSocketGateway|CacheModule|lru|LRU|node-cache|memory-cache|mnemonist|cache-manager|ttl-?cache|flat-cache|\\u[\da-fA-F{]|\\x[\da-fA-F]/;
const IDENT = /[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/uy;
const IDENTS = /[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/gu;
/** The rule's MUTATORS: a call of one of these on the container is a write. */
const MUTATORS = new Set(['set', 'add', 'push', 'unshift', 'splice', 'put', 'delete', 'setex', 'mset', 'increment', 'incr']);
/** An assignment (every compound form) or ++/-- right after a member or element access. */
const ASSIGN = /(?:\+\+|--|(?:\*\*|<<|>>>|>>|&&|\|\||\?\?|[-+*/%&|^])?=(?!=))/y;
const PREFIX = /\+\+|--|(?<![\p{ID_Continue}$\u200c\u200d])delete(?![\p{ID_Continue}$\u200c\u200d])/gu;
/** Longest type annotation or bracket read before giving up (and answering "may"). */
const SCAN_LIMIT = 4000;

/** The offset after white space and comments from `i` (an unterminated comment runs to the end). */
function skipTrivia(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029 || (c > 0x7f && /\s/.test(text[i]))) i++;
    else if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const nl = text.indexOf('\n', i + 2);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else return i;
  }
}

function identAt(text: string, i: number): string | undefined {
  IDENT.lastIndex = i;
  return IDENT.exec(text)?.[0];
}

/** Can an initialiser starting at `i` be a container once unwrapped (parens, `await`, `<T>`): `new Map|Set`, `{`, `[`? */
function containerAt(text: string, i: number, depth = 0): boolean {
  i = skipTrivia(text, i);
  const c = text[i];
  if (c === '{' || c === '[' || c === '<' || depth > 20) return true; // `<`: a type assertion (or JSX): not read, so "may"
  if (c === '(') return containerAt(text, i + 1, depth + 1);
  const word = identAt(text, i);
  if (word === 'await') return containerAt(text, i + word.length, depth + 1);
  if (word !== 'new') return false;
  const callee = identAt(text, skipTrivia(text, i + 3));
  return callee === 'Map' || callee === 'Set';
}

/**
 * After a declared name and its `:`: skips a type annotation to the `=` of the initialiser. 'may' when the type holds
 * what this scan does not read (strings, comments, a very long type), false when the name has no initialiser here
 * (a parameter, an object key, `let x: T;`).
 */
function initialiserAfterType(text: string, i: number): number | 'may' | false {
  let depth = 0;
  const end = Math.min(text.length, i + SCAN_LIMIT);
  for (; i < end; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`' || c === '/') return 'may';
    if (c === '=') {
      if (text[i + 1] === '>') {
        i++;
        continue;
      }
      return depth === 0 && text[i + 1] !== '=' ? i + 1 : 'may';
    }
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') {
      if (depth === 0) return false;
      depth--;
    } else if ((c === ',' || c === ';') && depth === 0) return false;
  }
  return i >= text.length ? false : 'may';
}

/** Is the name at `i` (already read, ending at `after`) declared here with an initialiser that may be a container? */
function declaresContainer(text: string, after: number): boolean {
  let j = skipTrivia(text, after);
  if (text[j] === '!') j = skipTrivia(text, j + 1);
  if (text[j] === '=' && text[j + 1] !== '=' && text[j + 1] !== '>') return containerAt(text, j + 1);
  if (text[j] !== ':') return false;
  const init = initialiserAfterType(text, j + 1);
  return init === 'may' || (init !== false && containerAt(text, init));
}

/** After `]` of `X[...]`: the offset after the matching `]`, 'may' when the brackets hold strings or comments. */
function closeBracket(text: string, i: number): number | 'may' | false {
  let depth = 0;
  const end = Math.min(text.length, i + SCAN_LIMIT);
  for (; i < end; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`' || c === '/') return 'may';
    if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') {
      depth--;
      if (depth === 0) return c === ']' ? i + 1 : 'may';
      if (depth < 0) return 'may';
    }
  }
  return i >= text.length ? false : 'may';
}

const assignsAt = (text: string, i: number) => {
  ASSIGN.lastIndex = skipTrivia(text, i);
  return ASSIGN.test(text);
};

/** Is the name ending at `after` written through here: `.mutator(`, `.k =` (any assignment, ++, --), `[k] =`? */
function writtenThrough(text: string, after: number): boolean {
  let j = skipTrivia(text, after);
  if (text[j] === '?' && text[j + 1] === '.') j = skipTrivia(text, j + 2);
  else if (text[j] === '.' && text[j + 1] !== '.') j = skipTrivia(text, j + 1);
  else if (text[j] !== '[') return false;
  if (text[j] === '[') {
    const close = closeBracket(text, j);
    return close === 'may' || (close !== false && assignsAt(text, close));
  }
  const hash = text[j] === '#' ? 1 : 0;
  const name = identAt(text, j + hash);
  if (name === undefined) return false;
  return (!hash && MUTATORS.has(name)) || assignsAt(text, j + hash + name.length);
}

/** Keywords after which `/` starts a regular expression; after other keywords (contextual ones may be names) it is not known. */
const REGEX_AFTER = new Set(['return', 'typeof', 'instanceof', 'in', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else']);
const VALUE_KEYWORDS = new Set(['this', 'super', 'true', 'false', 'null']);

/**
 * Names declared at the top of the file (brace, paren and bracket depth 0) with an initialiser that may be a
 * container, read with the compiler's scanner (strings, comments, templates and regular expressions are skipped
 * as the parser would). 'may' when the scan cannot be sure of the depth: JSX, a `/` whose meaning needs the parser
 * (after `}` or a contextual keyword), a scanner error, unbalanced brackets.
 */
function topLevelContainers(text: string): Set<string> | 'may' {
  if (/<\/|\/>/.test(text)) return 'may'; // JSX text is not JavaScript tokens
  let failed = false;
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text, () => {
    failed = true;
  });
  const K = ts.SyntaxKind;
  // after a value `/` divides (a template head or middle opens a substitution: a regex may follow)
  const VALUE_TOKENS = new Set<T.SyntaxKind>([K.Identifier, K.PrivateIdentifier, K.CloseBracketToken, K.PlusPlusToken, K.MinusMinusToken, K.NumericLiteral, K.BigIntLiteral, K.StringLiteral, K.RegularExpressionLiteral, K.NoSubstitutionTemplateLiteral, K.TemplateTail]);
  const names = new Set<string>();
  let braces = 0;
  const parens: boolean[] = []; // per open paren: is it the condition of if/while/for/with (then `) /re/` is a regex)?
  let brackets = 0;
  const templates: number[] = []; // brace depth inside each open `${`
  let prev: T.SyntaxKind | undefined;
  let prevText = '';
  let parenWasCondition = false; // of the last `)`
  for (let kind = scanner.scan(); kind !== K.EndOfFileToken; kind = scanner.scan()) {
    if (failed) return 'may';
    if (kind === K.SlashToken || kind === K.SlashEqualsToken) {
      let regex: boolean;
      if (prev === undefined) regex = true;
      else if (prev === K.CloseParenToken) regex = parenWasCondition;
      else if (prev === K.CloseBraceToken) return 'may';
      else if (VALUE_TOKENS.has(prev)) regex = false;
      else if (prev >= K.FirstKeyword && prev <= K.LastKeyword) {
        if (VALUE_KEYWORDS.has(prevText)) regex = false;
        else if (REGEX_AFTER.has(prevText)) regex = true;
        else return 'may';
      } else regex = true; // after any other punctuator
      if (regex) kind = scanner.reScanSlashToken();
    } else if (kind === K.OpenBraceToken) braces++;
    else if (kind === K.TemplateHead) templates.push(++braces);
    else if (kind === K.CloseBraceToken) {
      if (templates.length && templates[templates.length - 1] === braces) {
        kind = scanner.reScanTemplateToken(false);
        if (kind === K.TemplateTail) {
          templates.pop();
          braces--;
        }
      } else braces--;
    } else if (kind === K.OpenParenToken) parens.push(prev !== undefined && prev >= K.FirstKeyword && /^(?:if|while|for|with)$/.test(prevText));
    else if (kind === K.CloseParenToken) parenWasCondition = parens.pop() ?? false;
    else if (kind === K.OpenBracketToken) brackets++;
    else if (kind === K.CloseBracketToken) brackets--;
    else if ((kind === K.Identifier || (kind >= K.FirstKeyword && kind <= K.LastKeyword)) && braces === 0 && !parens.length && brackets === 0) {
      if (declaresContainer(text, scanner.getTokenEnd())) names.add(scanner.getTokenValue());
    }
    if (braces < 0 || brackets < 0) return 'may';
    prev = kind;
    prevText = kind >= K.FirstKeyword && kind <= K.LastKeyword ? scanner.getTokenText() : '';
  }
  return failed || braces !== 0 || brackets !== 0 || parens.length || templates.length ? 'may' : names;
}
/** The rule's `mayReport`: exact or wider than its checkFile (see the module comment). */
export function mayHoldSharedState(text: string): boolean {
  if (ALWAYS.test(text)) return true;
  const declared = topLevelContainers(text);
  if (declared === 'may') return true;
  if (!declared.size) return false;
  for (const m of text.matchAll(IDENTS)) if (declared.has(m[0]) && writtenThrough(text, m.index! + m[0].length)) return true;
  // `delete X.k`, `++X.k`, `--X[k]`: the name after the operator is written.
  for (const m of text.matchAll(PREFIX)) {
    const name = identAt(text, skipTrivia(text, m.index! + m[0].length));
    if (name !== undefined && declared.has(name)) return true;
  }
  return false;
}
