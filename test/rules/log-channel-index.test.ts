import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit, loadRules } from '../../src/api/index.js';
import { timing } from '../../src/engine/timing.js';

const CASE = path.resolve(__dirname, '../../fixtures/rules/laravel/log-to-local-file/text-indexed-uses');
const rule = (await loadRules(['laravel'])).filter((r) => r.meta.id === 'laravel/log-to-local-file');

describe('laravel/log-to-local-file channel index read from text', () => {
  it('counts and lists the same uses as a parse would, parsing only the files text cannot decide', async () => {
    timing.reset();
    timing.enabled = true;
    try {
      const { report } = await audit({ path: CASE, rules: rule, ecosystems: ['laravel'] });
      const [finding, ...others] = report.findings;
      expect(others).toEqual([]);
      expect(finding.location).toMatchObject({ file: 'app/A/Alpha.php', line: 14 });
      expect(finding.message).toContain("channel 'import' is a daily file storage/logs/import.log; 3 uses in the app, the first here");
      expect(finding.related?.filter((r) => r.message === "also logs to channel 'import'").map((r) => `${r.file}:${r.line}`)).toEqual(['app/B/Later.php:11', 'app/B/Later.php:13']);
      // Aa.php (another Log class) and Ab.php (a heredoc) go to the parser; the rest is read from text, and only
      // the first use's file is parsed again for checkFile.
      const table = timing.format();
      expect(table).toMatch(/index files parsed\s+2\n/);
      expect(table).toMatch(/candidate files left to an index\s+4\n/);
    } finally {
      timing.reset();
    }
  });
});
