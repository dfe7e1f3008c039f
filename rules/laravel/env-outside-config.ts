import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { defineRule } from '../../src/engine/rule.js';
import { callArgs, fileImports, stringLiteral } from '../../src/lang/php.js';
import { envCallFix } from './support/env-fix.js';
import { isAppCode } from './support/paths.js';

export default defineRule({
  meta: {
    id: 'laravel/env-outside-config',
    ecosystem: 'laravel',
    category: 'config',
    severity: 'warning',
    summary: 'env() called outside the config directory',
    why:
      'After `php artisan config:cache` (which every multi-server deploy should run) Laravel no longer loads the .env ' +
      'file, so env() outside config files returns null unless the variable is set in the real process environment. ' +
      'The app then behaves differently on each node depending on how that node was started.',
    remediation:
      "Read the variable in a config file ('feature_x' => env('FEATURE_X', false) in config/app.php) and use config('app.feature_x') in code and views.",
    examples: {
      bad: "if (env('FEATURE_X')) { ... }",
      good: "// config/app.php: 'feature_x' => env('FEATURE_X', false),\nif (config('app.feature_x')) { ... }",
    },
    fixable: 'safe',
  },

  files: {
    languages: ['php', 'blade'],
    prefilter: /\benv\s*\(/,
    include: (path, facts) => isAppCode(path, facts),
  },
  checkFile({ facts, file, report }) {
    const laravel = laravelOf(facts);
    const imports = fileImports(file.root);
    // `use function Foo\env;` makes env() a different function; `use function x as env` too.
    const imported = imports.functions.get('env');
    if (imported !== undefined && imported !== 'env') return;
    for (const node of file.nodesAt(/\benv\s*\(/)) {
      const callee = node.parent?.type === 'qualified_name' ? node.parent : node;
      const call = callee.parent;
      if (!call || call.type !== 'function_call_expression' || call.childForFieldName('function')?.startIndex !== callee.startIndex) continue;
      const name = callee.text;
      if (name !== 'env' && name !== '\\env') continue;
      const args = callArgs(call);
      if (!args.length) continue; // `\env()` as a callable reference (IDE metadata), not a lookup
      const key = stringLiteral(args[0]?.value);
      // Named or spread arguments, or more than (key, default), are not a plain lookup to rewrite.
      const plain = key !== undefined && args.length <= 2 && args.every((a) => !a.name && a.value.type !== 'variadic_unpacking');
      const plan = plain ? envCallFix(laravel, file.path, [...file.span(call)], key, args[1]?.value) : undefined;
      report({
        node: call,
        message: `${key ? `env('${key}')` : 'env()'} is called outside the config directory: once config is cached it returns null unless ${key ?? 'the variable'} is set in the server's real environment.`,
        ...plan,
      });
    }
  },
});
