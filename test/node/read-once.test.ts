import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/api/index.js';
import { DiskFs, type ProjectFs } from '../../src/project/fs.js';
import { ROOT } from '../support/cli.js';

/** A disk file system that counts reads per file. */
function counting(root: string): ProjectFs & { reads: Map<string, number> } {
  const disk = new DiskFs(root);
  const reads = new Map<string, number>();
  return {
    root,
    reads,
    read: (file, maxBytes) => {
      reads.set(file, (reads.get(file) ?? 0) + 1);
      return disk.read(file, maxBytes);
    },
    exists: (file) => disk.exists(file),
    list: (dir) => disk.list(dir),
  };
}

describe('a Node audit reads each server file once', () => {
  it('the run takes the texts the import graph read (LoadedEcosystem.readDuringLoad)', async () => {
    const fs = counting(path.join(ROOT, 'fixtures/projects/node-express-esm-ts'));
    const result = await audit({ path: fs.root, fs });
    expect(result.report.findings.length).toBeGreaterThan(0);
    const server = [...(result.loaded.get('node')!.facts as { serverFiles: Set<string> }).serverFiles];
    expect(server.length).toBeGreaterThan(1);
    // Once, by the graph: the run's prefilter, its rules and the fingerprints of their findings use that read.
    expect(server.filter((f) => fs.reads.get(f) !== 1)).toEqual([]);
    // With another size cap the run reads for itself (what the graph read was capped differently).
    const capped = counting(fs.root);
    await audit({ path: capped.root, fs: capped, maxFileBytes: 64 * 1024 });
    expect(server.some((f) => (capped.reads.get(f) ?? 0) > 1)).toBe(true);
  });
});
