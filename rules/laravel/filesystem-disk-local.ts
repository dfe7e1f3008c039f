import { laravelOf } from '../../src/ecosystems/laravel/facts.js';
import { describeOrigin } from '../../src/engine/values.js';
import { defineRule } from '../../src/engine/rule.js';
import { readEnvFix, remediationFor } from './support/config-fix.js';
import { diskDriver, diskRoot, str } from './support/config.js';

export default defineRule({
  meta: {
    id: 'laravel/filesystem-disk-local',
    ecosystem: 'laravel',
    category: 'uploads',
    severity: 'error',
    summary: 'The default filesystem disk is the local disk of one server',
    why:
      'Storage::put(), $request->file()->store() and every other call without an explicit disk write to the default ' +
      'disk. With the local driver the file lands on the node that handled the request; the next request, served by ' +
      'another node, answers 404.',
    remediation: 'Set FILESYSTEM_DISK=s3 (FILESYSTEM_DRIVER before Laravel 9) or another shared disk (S3, R2, GCS) in production.',
    examples: { bad: '# .env\nFILESYSTEM_DISK=local', good: '# .env\nFILESYSTEM_DISK=s3' },
    fixable: 'unsafe',
  },

  check({ facts, report }) {
    const laravel = laravelOf(facts);
    const disk = laravel?.config.get('filesystems.default');
    const name = str(disk);
    if (!laravel || !disk || !name) return;
    const driverVal = diskDriver(laravel, name);
    if (str(driverVal) !== 'local') return;
    const root = diskRoot(laravel, name);
    report({
      value: disk,
      remediation: remediationFor(laravel, 'filesystems.default', disk, 's3', ' (a disk every node shares)'),
      fix: readEnvFix(laravel, 'filesystems.default', disk)?.fix,
      message: `The default disk '${name}' uses the local driver${root ? ` (${root})` : ''} (filesystems.default = ${name}: ${describeOrigin(disk)}): files written without an explicit disk stay on one node.`,
      related: driverVal && !driverVal.origin.file.startsWith('(') && driverVal.origin.line !== disk.origin.line ? [{ file: driverVal.origin.file, line: driverVal.origin.line, message: `disk '${name}' has driver 'local'` }] : [],
    });
  },
});
