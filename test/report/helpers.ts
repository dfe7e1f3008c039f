import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/cli.js';
import type { Report } from '../../src/engine/report.js';
import type { FormatInput } from '../../src/report/model.js';
import type { RuleMeta } from '../../src/engine/rule.js';

export const PROJECTS = path.join(ROOT, 'fixtures/projects');

/** A git repository with the demo app in backend/ (a monorepo's subfolder) and a hostile app at hostile/. */
export function makeRepo(dir: string): { repo: string; backend: string } {
  const repo = path.join(dir, 'repo');
  mkdirSync(repo, { recursive: true });
  execFileSync('git', ['init', '-q', repo]);
  cpSync(path.join(PROJECTS, 'demo-app'), path.join(repo, 'backend'), { recursive: true });
  return { repo, backend: path.join(repo, 'backend') };
}

export const SECRETS = ['c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=', 'hunter2hunter2'];
export const HOSTILE_NAMES = ['<img src=x onerror=alert(1)>.php', 'Weird,na:me%20|`x`.php', 'ctl\u0001.php'];

/**
 * A Laravel app that tries to break every format: file names with markup, ',' ':' '%' '|' and backticks and a
 * control character, a line with </pre><script>, secrets in .env, a config value statelint cannot resolve and
 * a file too large to read (skipped).
 */
export function makeHostile(dir: string): string {
  const root = path.join(dir, 'hostile');
  mkdirSync(path.join(root, 'app/Http/Controllers'), { recursive: true });
  mkdirSync(path.join(root, 'config'), { recursive: true });
  writeFileSync(path.join(root, 'composer.json'), '{"require":{"laravel/framework":"^10.0"}}');
  writeFileSync(path.join(root, 'artisan'), '');
  writeFileSync(path.join(root, '.env'), `APP_KEY=base64:${SECRETS[0]}\nDB_PASSWORD=${SECRETS[1]}\nSESSION_DRIVER=file\n`);
  writeFileSync(path.join(root, 'config/session.php'), "<?php\nreturn ['driver' => some_call_we_cannot_know(), 'lifetime' => 120];\n");
  const [a, b, c] = HOSTILE_NAMES.map((n) => path.join(root, 'app/Http/Controllers', n));
  writeFileSync(a, "<?php\n$a = env('A');\n");
  writeFileSync(b, "<?php\n$b = env('B'); // </pre><script>alert(1)</script> | ` ` <!-- ]]> &amp;\n");
  writeFileSync(c, "<?php\n$c = env('C');\n");
  writeFileSync(path.join(root, 'app/Big.php'), `<?php\n// ${'x'.repeat(3 * 1024 * 1024)}\n`);
  return root;
}

/** A FormatInput for rendering a CLI report in-process (fix and live sections the sample apps do not produce). */
export function inputFor(report: Report, rules: RuleMeta[], root: string): FormatInput {
  const cache = new Map<string, string[] | undefined>();
  return {
    report,
    rules,
    rootAbsolute: root,
    lineText(file, line) {
      if (!cache.has(file)) {
        try {
          cache.set(file, readFileSync(path.join(root, file), 'utf8').split(/\r?\n/));
        } catch {
          cache.set(file, undefined);
        }
      }
      return cache.get(file)?.[line - 1];
    },
  };
}
