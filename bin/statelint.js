#!/usr/bin/env node
// Process shell: everything else lives in src/cli.ts, which returns the exit code.
import { setFlagsFromString } from 'node:v8';

// A one-shot run parses a few dozen files: compiling the 1 MB PHP grammar with WebAssembly's
// optimizing tier costs more CPU than it saves, so stay on the baseline compiler. Only on Node
// versions whose V8 is known to have the flag: an unknown flag makes V8 print to stdout.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor >= 20 && nodeMajor <= 24) setFlagsFromString('--liftoff-only');

const { main } = await import('../dist/src/cli.js');
process.exitCode = await main(process.argv.slice(2));
