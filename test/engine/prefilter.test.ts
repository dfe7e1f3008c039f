import { describe, expect, it } from 'vitest';
import { anyOf } from '../../src/engine/runner.js';

describe('the combined prefilter', () => {
  it('matches whenever one rule prefilter matches, with that prefilter\'s flags (a case-insensitive rule is not silenced)', () => {
    const combined = anyOf([/Storage::disk/, /DotenvEditor/i, /^\s*Schedule::/m]);
    expect(combined.test('use Jackiedo\\DotEnvEditor\\Facades\\DotenvEditor as DotEnvEditor; DotEnvEditor::setKey()')).toBe(true);
    expect(combined.test('DOTENVEDITOR')).toBe(true);
    expect(combined.test('<?php\n    Schedule::command("x");')).toBe(true);
    expect(combined.test('nothing to see here')).toBe(false);
  });
  it('matches nothing when there are no prefilters', () => {
    expect(anyOf([]).test('anything')).toBe(false);
  });
});
