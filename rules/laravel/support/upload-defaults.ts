import type { LaravelFacts } from '../../../src/ecosystems/laravel/facts.js';
import type { SourceFile } from '../../../src/engine/rule.js';
import { asString, type Val } from '../../../src/engine/values.js';
import type { SyntaxNode } from '../../../src/lang/php.js';
import { callArgs, fileImports, resolveClassName, stringLiteral } from '../../../src/lang/php.js';
import type { UploadIndex } from './upload-flow.js';

/**
 * Libraries that store uploads on a default disk the app never names in the call (issue 9). The default is
 * read from the app's config file when it has one (the resolver evaluates config/livewire.php,
 * config/media-library.php and config/filament.php); otherwise from the package's own default, which is:
 * - Livewire: temporary_file_upload.disk = null -> the default disk (filesystems.default);
 * - spatie/laravel-medialibrary: disk_name = env('MEDIA_DISK', 'public');
 * - Filament 3: default_filesystem_disk = env('FILAMENT_FILESYSTEM_DISK', 'public').
 */
type Report = (r: { node: SyntaxNode; message: string }) => void;

function packageDefault(laravel: LaravelFacts, file: string, key: string, env: string | undefined, fallback: string | null): { name?: string; how: string } {
  if (laravel.config.sourceOf(file)) {
    const v: Val | undefined = laravel.config.get(`${file}.${key}`);
    if (v && v.t === 'unknown') return { how: 'unknown' };
    const name = asString(v);
    if (name) return { name, how: `${file}.${key} in config/${file}.php` };
    if (v && !(v.t === 'scalar' && v.v === null)) return { how: 'unknown' };
  } else if (env) {
    const set = asString(laravel.envValue(env));
    if (set) return { name: set, how: `${env}=${set}, read by the package's default config/${file}.php` };
  }
  if (fallback) return { name: fallback, how: `the package default for ${file}.${key}${env ? ` (${env} not set)` : ''}` };
  const def = asString(laravel.config.get('filesystems.default'));
  return def ? { name: def, how: `${file}.${key} is not set, so the default disk '${def}' is used` } : { how: 'unknown' };
}

const isLocal = (laravel: LaravelFacts, disk: string) => asString(laravel.config.get(`filesystems.disks.${disk}.driver`)) === 'local';

export function checkUploadDefaults(laravel: LaravelFacts, file: SourceFile<SyntaxNode>, report: Report, index: UploadIndex | undefined): void {
  const mediaUseDisk = index?.mediaUseDisk ?? false;
  const imports = fileImports(file.root);
  // Livewire keeps each upload as a temporary file until the component's save action runs, in a second request.
  if (file.text.includes('WithFileUploads')) {
    for (const use of file.root.descendantsOfType('use_declaration')) {
      const name = use?.namedChildren.find((c) => c?.type === 'name' || c?.type === 'qualified_name');
      if (!use || !name || !/^Livewire\\(?:Features\\SupportFileUploads\\)?WithFileUploads$/.test(resolveClassName(name.text, imports))) continue;
      const d = packageDefault(laravel, 'livewire', 'temporary_file_upload.disk', undefined, null);
      if (!d.name || !isLocal(laravel, d.name)) continue;
      report({ node: use, message: `Livewire keeps temporary uploads on the '${d.name}' disk (local driver; ${d.how}): the upload request and the request that saves the file can reach different nodes, and the second one does not find it.` });
    }
  }
  for (const node of file.nodesAt(/\b(?:make|toMediaCollection|toMediaCollectionOnCloudDisk)\s*\(/)) {
    const call = node.parent;
    if (!call || call.childForFieldName('name')?.id !== node.id) continue;
    if (node.text === 'make' && call.type === 'scoped_call_expression') {
      const cls = resolveClassName(call.childForFieldName('scope')?.text ?? '', imports);
      // The media library's field stores through spatie/laravel-medialibrary, so its default disk is that package's.
      const spatie = cls === 'Filament\\Forms\\Components\\SpatieMediaLibraryFileUpload';
      if (cls !== 'Filament\\Forms\\Components\\FileUpload' && !spatie) continue;
      if (chainNames(call).includes('disk')) continue;
      let d: { name?: string; how: string };
      if (spatie) {
        // The field stores into its ->collection() (default 'default'), whose ->useDisk() wins over the package default.
        const collection = chainArg(call, 'collection');
        const named = collection === undefined ? 'default' : stringLiteral(collection);
        const own = named === undefined ? null : index?.mediaDisks.get(named);
        if (own) d = { name: own, how: `media collection '${named}' ->useDisk('${own}')` };
        else if (own === null || (mediaUseDisk && (!index || index.mediaDiskUnknown))) continue; // not provable here
        else d = packageDefault(laravel, 'media-library', 'disk_name', 'MEDIA_DISK', 'public');
      } else d = packageDefault(laravel, 'filament', 'default_filesystem_disk', 'FILAMENT_FILESYSTEM_DISK', 'public');
      if (!d.name || !isLocal(laravel, d.name)) continue;
      const what = spatie ? 'SpatieMediaLibraryFileUpload' : 'FileUpload';
      report({ node, message: `${what}::make() without ->disk() stores on the '${d.name}' disk (local driver; ${d.how}): the file exists only on the node that took the upload.` });
    } else if (node.text === 'toMediaCollection') {
      const before = chainBeforeNames(call);
      if (!before.some((n) => /^addMedia(?:FromRequest|FromStream)?$|^addMultipleMediaFromRequest$|^addAllMediaFromRequest$/.test(n))) continue;
      const diskArg = callArgs(call)[1]?.value;
      let d: { name?: string; how: string };
      if (diskArg) {
        const lit = stringLiteral(diskArg);
        d = lit ? { name: lit, how: `named in the call` } : { how: 'unknown' };
      } else {
        if (mediaUseDisk) continue; // a collection may choose its own disk with ->useDisk(): not provable here
        d = packageDefault(laravel, 'media-library', 'disk_name', 'MEDIA_DISK', 'public');
      }
      if (!d.name || !isLocal(laravel, d.name)) continue;
      report({ node, message: `Media library stores this upload on the '${d.name}' disk (local driver; ${d.how}): the file exists only on the node that took the upload.` });
    }
  }
}

/** The first argument of the named call chained after `call`, if any. */
function chainArg(call: SyntaxNode, name: string): SyntaxNode | undefined {
  let cur = call;
  while (cur.parent && /member_call_expression$/.test(cur.parent.type) && cur.parent.childForFieldName('object')?.id === cur.id) {
    cur = cur.parent;
    if (cur.childForFieldName('name')?.text === name) return callArgs(cur)[0]?.value ?? undefined;
  }
  return undefined;
}

function chainNames(call: SyntaxNode): string[] {
  const out: string[] = [];
  let cur = call;
  while (cur.parent && /member_call_expression$/.test(cur.parent.type) && cur.parent.childForFieldName('object')?.id === cur.id) {
    cur = cur.parent;
    out.push(cur.childForFieldName('name')?.text ?? '');
  }
  return out;
}

function chainBeforeNames(call: SyntaxNode): string[] {
  const out: string[] = [];
  let cur: SyntaxNode | null = call.childForFieldName('object');
  while (cur && /member_call_expression$/.test(cur.type)) {
    out.push(cur.childForFieldName('name')?.text ?? '');
    cur = cur.childForFieldName('object');
  }
  return out;
}
