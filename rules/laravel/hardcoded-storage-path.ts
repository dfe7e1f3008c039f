import { defineRule } from '../../src/engine/rule.js';
import { closest, stringLiteral } from '../../src/lang/php.js';
import { isAppCode } from './support/paths.js';

const STRING_TYPES = new Set(['string', 'encapsed_string', 'heredoc', 'nowdoc']);
const STORAGE_APP = /storage\/app\//;

export default defineRule({
  meta: {
    id: 'laravel/hardcoded-storage-path',
    ecosystem: 'laravel',
    category: 'uploads',
    severity: 'error',
    summary: 'A hard-coded storage/app path ties files to one server\'s disk',
    why:
      "A literal like 'storage/app/public/avatars/' reads or writes files on the local disk directly, bypassing the " +
      'filesystem abstraction: moving uploads to S3 later will not move this code, and other nodes do not have the file.',
    remediation: "Go through a disk: Storage::disk('s3')->put(...), Storage::url($path); never build storage/app paths by hand.",
    examples: {
      bad: "$path = base_path('storage/app/public/avatars/'.$name);",
      good: "$url = Storage::disk('s3')->url('avatars/'.$name);",
    },
    fixable: false,
  },

  files: {
    languages: ['php', 'blade'],
    prefilter: /storage\/app\//,
    include: (path, facts) => isAppCode(path, facts),
  },
  checkFile({ file, report }) {
    const seen = new Set<number>();
    for (const node of file.nodesAt(STORAGE_APP)) {
      const literal = closest(node, STRING_TYPES);
      if (!literal || seen.has(literal.startIndex)) continue;
      seen.add(literal.startIndex);
      const value = stringLiteral(literal) ?? literal.text;
      // Messages and shell hints ("Missing storage/app/cities.json file!") mention a path; they do not use one.
      if (!STORAGE_APP.test(value) || /\s/.test(value.trim())) continue;
      const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      report({ node: literal, message: `Hard-coded path '${shown}' points into this server's storage/app: other nodes do not have these files.` });
    }
  },
});
