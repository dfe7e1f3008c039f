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

// Files the screen leaves to the parse (leftToParse): singleton fields, cache packages, CacheModule, escapes, and Flow
// files (`@flow`: they do not parse as TypeScript, and the parse is what lists them as partly analysed).
/** A singleton's fields are candidates only in a class decorated `@Injectable`/`@Controller`/`@WebSocketGateway` (as written). */
const DECORATED = /@\s*(?:Injectable|Controller|WebSocketGateway)\b|@\s*\/[/*]/;
/** Cache candidates need a call that resolves to a cache package: an import or require of it by name in this file. */
const CACHE_NAMES = ['lru-cache', 'node-cache', 'quick-lru', 'memory-cache', 'mnemonist', 'cache-manager', 'tiny-lru', 'ttlcache', 'ttl-cache', 'flat-cache'];
const CACHE_IMPORT = /['"`](?:lru-cache|node-cache|quick-lru|memory-cache|mnemonist|cache-manager|tiny-lru|@isaacs\/ttlcache|ttl-cache|flat-cache)/;
/** Escapes in names or strings (`\u0061`, `'\x6cru-cache'`): what they spell is not read here. */
const ESCAPES = /\\[ux]/;
// substring searches before each regex: one regex of many alternatives ran interpreted over each file (its first run)
const leftToParse = (text: string) =>
  text.includes('@flow') ||
  text.includes('CacheModule') ||
  ((text.includes('Injectable') || text.includes('Controller') || text.includes('WebSocketGateway')) && DECORATED.test(text)) ||
  (CACHE_NAMES.some((w) => text.includes(w)) && CACHE_IMPORT.test(text)) ||
  ESCAPES.test(text);

const IDENT = /[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/uy;
/** The rule's MUTATORS: a call of one of these on the container is a write. */
const MUTATORS = new Set(['set', 'add', 'push', 'unshift', 'splice', 'put', 'delete', 'setex', 'mset', 'increment', 'incr']);
/** An assignment (every compound form) or ++/-- right after a member or element access. */
const ASSIGN = /(?:\+\+|--|(?:\*\*|<<|>>>|>>|&&|\|\||\?\?|[-+*/%&|^])?=(?!=))/y;
/** Longest type annotation or bracket read before giving up (and answering "may"). */
const SCAN_LIMIT = 4000;
/**
 * Characters the type and bracket scans may still read in this file: a hostile file of short declarations with long
 * types after each would make them quadratic. Spent, every scan answers "may" at once (linear, and wider).
 */
let budget = 0;
/** More declared containers than this: one regex of their names would be slow; answered "may". */
const MAX_NAMES = 500;

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
  return budgetedScan(text, i, (c, at) => {
    if (c === '"' || c === "'" || c === '`' || c === '/') return 'may';
    if (c === '=') {
      if (text[at + 1] === '>') return { skip: 1 };
      return depth === 0 && text[at + 1] !== '=' ? at + 1 : 'may';
    }
    if (c === '(' || c === '[' || c === '{' || c === '<') depth++;
    else if (c === ')' || c === ']' || c === '}' || c === '>') {
      if (depth === 0) return false;
      depth--;
    } else if ((c === ',' || c === ';') && depth === 0) return false;
    return undefined;
  });
}

/**
 * Runs `step` on each character from `i`, within the scan limit and what is left of the file's budget, until it
 * gives an answer (`{ skip: n }` steps over n more characters). False at the end of the text; 'may' when the limit
 * or the budget ends the scan first.
 */
function budgetedScan<T>(text: string, i: number, step: (c: string, at: number) => T | { skip: number } | undefined): T | 'may' | false {
  const start = i;
  try {
    const end = Math.min(text.length, i + SCAN_LIMIT, i + budget);
    if (i >= end && i < text.length) return 'may';
    for (; i < end; i++) {
      const r = step(text[i], i);
      if (r === undefined) continue;
      if (typeof r === 'object' && r !== null && 'skip' in r) i += r.skip;
      else return r as T;
    }
    return i >= text.length ? false : 'may';
  } finally {
    budget -= Math.max(1, i - start);
  }
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
  return budgetedScan(text, i, (c, at) => {
    if (c === '"' || c === "'" || c === '`' || c === '/') return 'may';
    if (c === '[' || c === '(' || c === '{') depth++;
    else if (c === ']' || c === ')' || c === '}') {
      depth--;
      if (depth === 0) return c === ']' ? at + 1 : 'may';
      if (depth < 0) return 'may';
    }
    return undefined;
  });
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

/** Words after which `/` starts a regular expression (after other names it divides). */
const REGEX_AFTER = new Set(['return', 'typeof', 'instanceof', 'in', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else']);
/** Words after which `/` may be either (contextual keywords that may be names, ASI after break): the scan gives up. */
const EITHER_AFTER = new Set(['yield', 'await', 'of', 'default', 'break', 'continue', 'debugger', 'extends']);
const isIdentStart = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36 || c > 0x7f;
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57);

/**
 * Names declared at the top of the file (brace, paren and bracket depth 0) with an initialiser that may be a
 * container. One pass over the characters that skips comments, strings, templates and regular expressions as the
 * parser would (a `/` is a regular expression or a division by what precedes it); 'may' when it cannot be sure of
 * the depth: JSX, a `/` after `}` or a contextual keyword, an unterminated string, unbalanced brackets. A loop
 * over characters: the compiler's scanner cost ~3x more on a cold start (this runs once per process).
 */
function topLevelContainers(text: string): Set<string> | 'may' {
  if (text.includes('</') || text.includes('/>')) return 'may'; // JSX text is not JavaScript tokens
  const names = new Set<string>();
  const n = text.length;
  let braces = 0;
  let brackets = 0;
  const parens: boolean[] = []; // per open paren: does it follow if/while/for/with (then `) /re/` is a regular expression)?
  const templates: number[] = []; // the brace depth of each open `${`
  // what precedes the next token: 'v' a value (then `/` divides), 'o' an operator or the start (a regex), 'c' `)` of a
  // condition, '}' a closing brace, 'w' a word (decided by `word`), '.' a member dot (the next word is a property name)
  let prev: 'v' | 'o' | 'c' | '}' | 'w' | '.' = 'o';
  let word = '';
  // a variable statement's names follow const/let/var/using or a comma (`type X = {`, `X = {}` declare no variable)
  let comma = false;
  let i = text.startsWith('#!') ? text.indexOf('\n') + 1 || n : 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 47) {
      const d = text.charCodeAt(i + 1);
      if (d === 47 || d === 42) {
        i = skipTrivia(text, i);
        continue;
      }
      const regex: boolean = prev === 'o' || prev === 'c' || (prev === 'w' && REGEX_AFTER.has(word));
      if (prev === '}' || (prev === 'w' && EITHER_AFTER.has(word))) return 'may';
      if (regex) {
        let inClass = false;
        for (i++; ; i++) {
          const r = text.charCodeAt(i);
          if (i >= n || r === 10 || r === 13) return 'may';
          if (r === 92) i++;
          else if (r === 91) inClass = true;
          else if (r === 93) inClass = false;
          else if (r === 47 && !inClass) break;
        }
        i++;
        while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      } else i++;
      prev = regex ? 'v' : 'o';
      comma = false;
      continue;
    }
    if (c === 34 || c === 39) {
      for (i++; ; i++) {
        const r = text.charCodeAt(i);
        if (i >= n || r === 10 || r === 13) return 'may';
        if (r === 92) i++;
        else if (r === c) break;
      }
      i++;
      prev = 'v';
      comma = false;
      continue;
    }
    if (c === 96 || (c === 125 && templates.length && templates[templates.length - 1] === braces)) {
      // a template from its start, or its text after a substitution's `}`
      if (c === 125) {
        templates.pop();
        braces--;
      }
      for (i++; ; i++) {
        const r = text.charCodeAt(i);
        if (i >= n) return 'may';
        if (r === 92) i++;
        else if (r === 96) break;
        else if (r === 36 && text.charCodeAt(i + 1) === 123) {
          templates.push(++braces);
          i++;
          break;
        }
      }
      i++;
      prev = text.charCodeAt(i - 1) === 96 ? 'v' : 'o';
      comma = false;
      continue;
    }
    if (isIdentStart(c) || c === 35) {
      const start = i;
      for (i++; i < n && isIdentPart(text.charCodeAt(i)); i++);
      const prevWord = prev === 'w' ? word : undefined;
      word = text.slice(start, i);
      if (c === 35) {
        comma = false;
        prev = 'v'; // a #private name: never a module-level container
        continue;
      }
      if (/[^\w$]/.test(word) || (i < n && text.charCodeAt(i) === 92)) return 'may'; // non-ASCII or escaped names: not read here
      const property: boolean = prev === '.';
      const declaring = comma || (prevWord !== undefined && /^(?:const|let|var|using)$/.test(prevWord));
      comma = false;
      prev = property ? 'v' : 'w';
      if (declaring && !property && braces === 0 && brackets === 0 && !parens.length && declaresContainer(text, i)) names.add(word);
      continue;
    }
    if (c >= 48 && c <= 57) {
      for (i++; i < n && (isIdentPart(text.charCodeAt(i)) || text.charCodeAt(i) === 46); i++);
      prev = 'v';
      comma = false;
      continue;
    }
    i++;
    comma = c === 44;
    if (c === 123) {
      braces++;
      prev = 'o';
    } else if (c === 125) {
      braces--;
      prev = '}';
    } else if (c === 40) {
      parens.push(prev === 'w' && /^(?:if|while|for|with)$/.test(word));
      prev = 'o';
    } else if (c === 41) prev = parens.pop() ? 'c' : 'v';
    else if (c === 91) {
      brackets++;
      prev = 'o';
    } else if (c === 93) {
      brackets--;
      prev = 'v';
    } else if ((c === 43 || c === 45) && text.charCodeAt(i) === c) {
      i++;
      // `x++ / 2` divides; a prefix `++` is followed by a name, never by `/`
      prev = 'v';
    } else if (c === 46 && text.charCodeAt(i) !== 46) prev = '.';
    else if (c === 46) {
      i += 2;
      prev = 'o';
    } else prev = 'o';
    if (braces < 0 || brackets < 0) return 'may';
  }
  return braces !== 0 || brackets !== 0 || parens.length || templates.length ? 'may' : names;
}

/** The rule's `mayReport`: exact or wider than its checkFile (see the module comment). */
export function mayHoldSharedState(text: string): boolean {
  budget = 4 * text.length + 20_000;
  const declared = topLevelContainers(text);
  if (declared === 'may' || declared.size > MAX_NAMES) return true;
  if (!declared.size) return leftToParse(text);
  // one pass for every declared name (ASCII names: others made the scan answer 'may')
  const names = [...declared].map((x) => x.replace(/\$/g, '\\$')).join('|');
  for (const m of text.matchAll(new RegExp(`(?<![\\w$])(?:${names})(?![\\w$])`, 'g'))) if (writtenThrough(text, m.index! + m[0].length)) return true;
  // `delete X.k`, `++X.k`, `--X[k]`: the name after the operator is written (a comment between: may)
  return new RegExp(`(?:\\+\\+|--|\\bdelete)\\s*(?:\\/[/*]|(?:${names})(?![\\w$]))`).test(text) || leftToParse(text);
}
