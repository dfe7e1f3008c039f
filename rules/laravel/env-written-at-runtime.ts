import { defineRule } from '../../src/engine/rule.js';
import type { SyntaxNode } from '../../src/lang/php.js';
import { callArgs, callTarget, enclosingFunction, fileImports, resolveClassName, stringLiteral } from '../../src/lang/php.js';
import { isHttpReachablePath } from './support/http.js';
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

export default defineRule({
  meta: {
    id: 'laravel/env-written-at-runtime',
    ecosystem: 'laravel',
    category: 'config',
    severity: 'error',
    summary: 'Code reachable from a web request rewrites the .env file',
    why:
      'A settings page or controller that writes .env (file_put_contents on base_path(\'.env\'), a DotenvEditor package, ' +
      'Artisan::call(\'key:generate\')) changes the file on the one node that served the request: the other nodes keep the old ' +
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
    prefilter: /['"/]\.env['"]|environmentFilePath|DotenvEditor|key:generate/i,
    include: (path, facts) => isAppCode(path, facts) && isHttpReachablePath(path),
  },
  checkFile({ file, report }) {
    const imports = fileImports(file.root);
    const editorImported = [...imports.classes.values()].some((c) => EDITOR_CLASS.test(c));
    for (const name of file.nodesAt(ANCHORS)) {
      const call = name.parent;
      if (!call) continue;
      const method = name.text;
      const args = callArgs(call).map((a) => a.value);
      if (call.type === 'function_call_expression' && call.childForFieldName('function')?.id === name.id) {
        if (method === 'file_put_contents' && isEnvPath(args[0])) {
          report({ node: call, message: 'file_put_contents() rewrites .env during a web request: only this node gets the change.' });
        } else if (method === 'fopen' && isEnvPath(args[0]) && /[waxc+]/.test(stringLiteral(args[1]) ?? '')) {
          report({ node: call, message: 'fopen() opens .env for writing during a web request: only this node gets the change.' });
        }
        continue;
      }
      if (call.childForFieldName('name')?.id !== name.id) continue;
      const target = callTarget(call);
      const cls = call.type === 'scoped_call_expression' && target ? resolveClassName(target.text, imports) : undefined;
      if (cls && /(^|\\)File$/.test(cls) && FILE_WRITES.has(method) && isEnvPath(args[0])) {
        report({ node: call, message: `File::${method}() rewrites .env during a web request: only this node gets the change.` });
      } else if (cls && /(^|\\)Artisan$/.test(cls) && /^call(Silent)?$|^queue$/.test(method) && /^key:generate\b/.test(stringLiteral(args[0]) ?? '')) {
        report({ node: call, message: "Artisan::call('key:generate') writes a new APP_KEY into this node's .env during a web request: other nodes keep the old key." });
      } else if (EDITOR_WRITES.has(method) && ((cls && EDITOR_CLASS.test(cls)) || (!cls && editorImported && target && /editor|env/i.test(target.text)))) {
        report({ node: call, message: `${cls ? 'DotenvEditor::' : `${target!.text}->`}${method}() edits .env during a web request: only this node gets the change.` });
      }
    }
  },
});
