import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Compiles the package once per test run so tests can run the real binary (bin/statelint.js). */
export default function setup(): void {
  const root = path.resolve(__dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
}
