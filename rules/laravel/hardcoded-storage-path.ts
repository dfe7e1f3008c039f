import { defineRule } from '../../src/engine/rule.js';
import { closest, stringLiteral, type SyntaxNode } from '../../src/lang/php.js';
import { hitsInCode } from '../../src/lang/php-text.js';
import { isAppCode } from './support/paths.js';

const STRING_TYPES = new Set(['string', 'encapsed_string', 'heredoc', 'nowdoc']);
const STORAGE_APP = /storage\/app\//;
/**
 * A folder of storage/ the app keeps its own files in (storage/app/..., storage/uploads/...), as a path: not the
 * framework's regenerable storage/framework (caches, compiled views, the maintenance flag), temp folders, or storage/logs
 * (laravel/log-channel-local's domain), and not a root-relative URL ('/storage/avatars/x.jpg' is served
 * through the public/storage link: a URL, not a file path).
 */
const STORAGE_DATA = /(?:^\/?|[^\w/]|\w\/)storage\/(?!framework\/|logs\/|debugbar\/|clockwork\/|te?mp\/|cache\/)[\w.-]+\//;
const URL_HELPERS = /^(?:url|asset|secure_asset|secure_url|Storage::url|route|redirect|mix|vite)$/;
/** `base_path('storage').'/app/x'`, `__DIR__.'/../storage' . '/uploads/'`: the storage folder joined to a data folder. */
const JOINED = /storage['"]?\s*\)?\s*\.\s*['"]\/(?!framework\/|logs\/)[\w.-]+\//;

/** `__DIR__.'/storage/uploads/'`, `base_path().'/storage/x/'`: a leading slash after a folder is a file path. */
function joinedToRoot(literal: SyntaxNode): boolean {
  const p = literal.parent;
  return p?.type === 'binary_expression' && p.namedChildren[1]?.id === literal.id && /__DIR__|base_path|dirname|getcwd|_PATH\b|ROOT/.test(p.namedChildren[0]?.text ?? '');
}

/** Is this text an argument of url()/asset()/...: a URL, not a file path? */
function inUrlHelper(n: SyntaxNode): boolean {
  for (let cur = n.parent; cur; cur = cur.parent) {
    if (cur.type === 'function_call_expression') return URL_HELPERS.test(cur.childForFieldName('function')?.text ?? '');
    // Storage::url(), and route URIs (Route::get('storage/m/{id}', ...)): URLs, not file paths
    if (cur.type === 'scoped_call_expression') return URL_HELPERS.test(`${cur.childForFieldName('scope')?.text}::${cur.childForFieldName('name')?.text}`) || /^\\?(?:Illuminate\\Support\\Facades\\)?Route$/.test(cur.childForFieldName('scope')?.text ?? '');
    if (cur.type === 'member_call_expression' || /statement|declaration/.test(cur.type)) return false;
  }
  return false;
}

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
    prefilter: /storage\/|storage['"]?\s*\)?\s*\.\s*['"]\//,
    include: (path, facts) => isAppCode(path, facts),
    // What checkFile can report: a join (JOINED), or a string holding storage/ with no whitespace in it (messages and
    // translation strings that mention a path have spaces): a translation file's prose is not parsed.
    mayReport: (text) => JOINED.test(text) || hitsInCode(text, /storage\//g, (r) => r.kind === 'string' && !/\s/.test(text.slice(r.from, r.to).trim())),
  },
  checkFile({ file, report }) {
    const seen = new Set<number>();
    for (const node of file.nodesAt(/storage\//)) {
      const literal = closest(node, STRING_TYPES);
      if (!literal || seen.has(literal.startIndex)) continue;
      seen.add(literal.startIndex);
      const value = stringLiteral(literal) ?? literal.text.replace(/^['"]|['"]$/g, '');
      // Messages and shell hints ("Missing storage/app/cities.json file!") mention a path; they do not use one.
      if (!(STORAGE_APP.test(value) || STORAGE_DATA.test(value)) || /\s/.test(value.trim())) continue;
      if (!STORAGE_APP.test(value) && ((/^\/storage\//.test(value) && !joinedToRoot(literal)) || inUrlHelper(literal))) continue;
      const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      report({ node: literal, message: `Hard-coded path '${shown}' points into this server's ${STORAGE_APP.test(value) ? 'storage/app' : 'storage/ folder'}: other nodes do not have these files.` });
    }
    for (const node of file.nodesAt(JOINED)) {
      let join = closest(node, 'binary_expression');
      while (join?.parent?.type === 'binary_expression') join = join.parent;
      if (!join || seen.has(join.startIndex) || !JOINED.test(join.text) || inUrlHelper(join)) continue;
      seen.add(join.startIndex);
      const shown = join.text.replace(/\s+/g, ' ').slice(0, 60);
      report({ node: join, message: `Hard-coded path ${shown} builds a folder under this server's storage/: other nodes do not have these files.` });
    }
  },
});
