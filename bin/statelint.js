#!/usr/bin/env node
// Process shell: everything else lives in src/cli.ts, which returns the exit code.
import { main } from '../dist/src/cli.js';

process.exitCode = await main(process.argv.slice(2));
