import { defineRule, type SourceFile } from '../../src/engine/rule.js';
import type { SyntaxNode } from '../../src/lang/php.js';
import { callArgs, callTarget, closest, enclosingFunction, fileImports, resolveClassName, stringLiteral } from '../../src/lang/php.js';
import { isHttpReachablePath, isOneOffPath } from './support/http.js';
import { isAppCode } from './support/paths.js';

const ANCHORS = /\b(?:file_put_contents|fopen|put|append|replace|prepend|call|callSilent|queue|setKey|setKeys|deleteKey|deleteKeys|save|changeEnv|addData|deleteData|setAutoBackup|backup|writeNewEnvironmentFileWith)\s*\(/;
/** Methods of DotenvEditor-style packages (jackiedo/dotenv-editor, brotzka/laravel-dotenv-editor) that write the file. */
const EDITOR_WRITES = new Set(['setKey', 'setKeys', 'deleteKey', 'deleteKeys', 'save', 'changeEnv', 'addData', 'deleteData', 'setSetter', 'setSetters']);
const EDITOR_CLASS = /(^|\\)(DotenvEditor|DotEnvEditor)$|^Jackiedo\\DotenvEditor\\|^Brotzka\\DotenvEditor\\/;
const FILE_WRITES = new Set(['put', 'append', 'replace', 'prepend']);

/** Does an expression name the app's .env file: base_path('.env'), app()->environmentFilePath(), a variable set from one? */
function isEnvPath(expr: SyntaxNode | undefined, seen = 0): boolean {
  if (!expr || seen > 3) return false;
  const text = expr.text;
  if (/environmentFilePath\s*\(/.test(text)) return true;
  if (/\b(?:base_path|app_path)\s*\(\s*['"](?:\.\.\/)?\.env['"]\s*\)/.test(text)) return true;
  if (/\b(?:base_path|app_path)\s*\(\s*\)\s*\.\s*['"]\/?\.env['"]/.test(text) || /__DIR__\s*\.\s*['"][./]*\.env['"]/.test(text)) return true;
  if (expr.type === 'variable_name') {
    const fn = enclosingFunction(expr);
    for (const assign of assignmentsTo(fn ?? expr.tree.rootNode, expr.text, expr.startIndex)) if (isEnvPath(assign, seen + 1)) return true;
  }
  return false;
}

function assignmentsTo(scope: SyntaxNode, name: string, before: number): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [scope];
  while (stack.length) {
    const n = stack.pop()!;
    if (n.startIndex >= before) continue;
    if (n.type === 'assignment_expression' && n.childForFieldName('left')?.text === name) {
      const right = n.childForFieldName('right');
      if (right) out.push(right);
    }
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  return out;
}

type EnvHelpers = Map<string, { file: string; line: number; what: string }>;

interface EnvWrite {
  node: SyntaxNode;
  /** "File::put() rewrites .env" */
  what: string;
  consequence: string;
}

/** Every write to .env in a file: the call, what it does and what that means on a cluster. */
function envWrites(file: SourceFile<SyntaxNode>): EnvWrite[] {
  const out: EnvWrite[] = [];
  const only = 'only this node gets the change.';
  const imports = fileImports(file.root);
  const editorImported = [...imports.classes.values()].some((c) => EDITOR_CLASS.test(c));
  for (const name of file.nodesAt(ANCHORS)) {
    const call = name.parent;
    if (!call) continue;
    const method = name.text;
    const args = callArgs(call).map((a) => a.value);
    if (call.type === 'function_call_expression' && call.childForFieldName('function')?.id === name.id) {
      if (method === 'file_put_contents' && isEnvPath(args[0])) out.push({ node: call, what: 'file_put_contents() rewrites .env', consequence: only });
      else if (method === 'fopen' && isEnvPath(args[0]) && /[waxc+]/.test(stringLiteral(args[1]) ?? '')) out.push({ node: call, what: 'fopen() opens .env for writing', consequence: only });
      continue;
    }
    if (call.childForFieldName('name')?.id !== name.id) continue;
    const target = callTarget(call);
    const cls = call.type === 'scoped_call_expression' && target ? resolveClassName(target.text, imports) : undefined;
    if (cls && /(^|\\)File$/.test(cls) && FILE_WRITES.has(method) && isEnvPath(args[0])) {
      out.push({ node: call, what: `File::${method}() rewrites .env`, consequence: only });
    } else if (cls && /(^|\\)Artisan$/.test(cls) && /^call(Silent)?$|^queue$/.test(method) && /^key:generate\b/.test(stringLiteral(args[0]) ?? '')) {
      out.push({ node: call, what: "Artisan::call('key:generate') writes a new APP_KEY into this node's .env", consequence: 'other nodes keep the old key.' });
    } else if (EDITOR_WRITES.has(method) && ((cls && EDITOR_CLASS.test(cls)) || (!cls && editorImported && target && /editor|env/i.test(target.text)))) {
      out.push({ node: call, what: `${cls ? 'DotenvEditor::' : `${target!.text}->`}${method}() edits .env`, consequence: only });
    }
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'laravel/env-written-at-runtime',
    ecosystem: 'laravel',
    category: 'config',
    severity: 'error',
    summary: 'Code reachable from a web request rewrites the .env file',
    why:
      'A settings page or controller that writes .env (file_put_contents on base_path(\'.env\'), a DotenvEditor package, ' +
      'Artisan::call(\'key:generate\'), directly or through a static helper such as Helper::setEnvFileVar()) changes the file on the one node that served the request: the other nodes keep the old ' +
      'values (or the old APP_KEY, so their sessions and encrypted data no longer match), and the change is lost when the ' +
      'server is rebuilt from the image. Installers and artisan commands run once on one machine and are not reported.',
    remediation:
      'Keep settings that change at runtime in the database (a settings table) or a shared store, and treat .env as ' +
      'deploy-time configuration written by your provisioning, identical on every node.',
    examples: {
      bad: "// app/Http/Controllers/SettingsController.php\nfile_put_contents(base_path('.env'), $contents);",
      good: "// app/Http/Controllers/SettingsController.php\nSetting::updateOrCreate(['key' => 'mail_host'], ['value' => $request->mail_host]);",
    },
    fixable: false,
  },

  files: {
    languages: ['php'],
    // `::setEnvFileVar(`: a call to a static helper of the index. Only helpers named for what they do (`env` in the
    // name: setEnv, updateEnvironmentValue, writeEnv) are followed, so controllers are not all parsed for them.
    prefilter: /['"/]\.env['"]|environmentFilePath|DotenvEditor|key:generate|::\s*\w*env\w*\s*\(/i,
    include: (path, facts) => isAppCode(path, facts) && isHttpReachablePath(path),
  },
  index: {
    // Helpers outside the HTTP folders that write .env (freescout's \Helper::setEnvFileVar in app/Misc/Helper.php).
    files: {
      languages: ['php'],
      prefilter: /['"/]\.env['"]|environmentFilePath|DotenvEditor/i,
      include: (path, facts) => isAppCode(path, facts) && !isHttpReachablePath(path) && !isOneOffPath(path),
    },
    init: (): EnvHelpers => new Map(),
    collect({ file, index }) {
      for (const w of envWrites(file)) {
        const method = closest(w.node, 'method_declaration');
        const cls = method && closest(method, 'class_declaration');
        const name = method?.childForFieldName('name')?.text;
        const clsName = cls?.childForFieldName('name')?.text;
        // Static methods only: `Helper::x()` names its class at the call; an instance's class is not known there.
        if (!method || !name || !clsName || !/env/i.test(name) || !method.children.some((c) => c?.type === 'static_modifier')) continue;
        const key = `${clsName}::${name}`.toLowerCase();
        if (!index.has(key)) index.set(key, { file: file.path, line: w.node.startPosition.row + 1, what: w.what });
      }
    },
  },
  checkFile({ file, report, index }) {
    for (const w of envWrites(file)) report({ node: w.node, message: `${w.what} during a web request: ${w.consequence}` });
    const helpers = index as EnvHelpers | undefined;
    if (!helpers?.size) return;
    const imports = fileImports(file.root);
    for (const call of file.root.descendantsOfType('scoped_call_expression')) {
      const scope = call?.childForFieldName('scope');
      const name = call?.childForFieldName('name');
      if (!call || !scope || !name) continue;
      // By the class's short name: facade aliases (`\Helper`) name no namespace.
      const short = resolveClassName(scope.text, imports).split('\\').pop() ?? '';
      const hit = helpers.get(`${short}::${name.text}`.toLowerCase());
      if (!hit) continue;
      report({
        node: call,
        message: `${scope.text}::${name.text}() writes .env (${hit.what}, ${hit.file}:${hit.line}) during a web request: only this node gets the change.`,
        related: [{ file: hit.file, line: hit.line, message: `${hit.what} here` }],
      });
    }
  },
});
