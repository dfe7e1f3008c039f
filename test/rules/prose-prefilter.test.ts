import { describe, expect, it } from 'vitest';
import { loadRules } from '../../src/api/index.js';

const rules = await loadRules(['laravel']);
const mayReport = (id: string) => rules.find((r) => r.meta.id === id)!.files!.mayReport!;

const TRANSLATIONS = "<?php\n\nreturn [\n    'schedule' => 'Schedule a report',\n    'storage_hint' => 'Check that storage/app/uploads is writable',\n    // see storage/app/x\n];\n";

describe('prefilter hits in prose are not parsed (mayReport)', () => {
  it('laravel/schedule-missing-one-server: only when Schedule appears in code', () => {
    const may = mayReport('laravel/schedule-missing-one-server');
    expect(may(TRANSLATIONS)).toBe(false);
    expect(may("<?php\nuse Illuminate\\Console\\Scheduling\\Schedule;\nfunction f(Schedule $s) {}\n")).toBe(true);
    expect(may("<?php\n->withSchedule(function ($schedule) { $schedule->command('x'); });\n")).toBe(true);
    // Not plain PHP (Blade, heredoc): decided by the parser, as before.
    expect(may("<?php\n$t = <<<EOT\nSchedule\nEOT;\n")).toBe(true);
  });

  it('laravel/hardcoded-storage-path: a string with no whitespace or a join, never a sentence or a comment', () => {
    const may = mayReport('laravel/hardcoded-storage-path');
    expect(may(TRANSLATIONS)).toBe(false);
    expect(may("<?php\n$p = base_path('storage/app/avatars/');\n")).toBe(true);
    expect(may('<?php\n$p = "storage/app/{$dir}/x";\n')).toBe(true);
    expect(may("<?php\n$p = base_path('storage') . '/uploads/';\n")).toBe(true);
    expect(may("<img src=\"{{ asset('storage/app/x') }}\">\n")).toBe(true);
  });
});
