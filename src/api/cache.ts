import { sha256 } from '../engine/cache.js';
import type { ProjectFs } from '../project/fs.js';

/**
 * A project file system that notes every answer it gives (--cache): the ecosystems' facts are a function of
 * what they read, so the digest of these answers stands for "the resolved config facts the rules read".
 */
export class RecordingFs implements ProjectFs {
  private readonly log: string[] = [];

  constructor(private readonly inner: ProjectFs) {}

  get root(): string {
    return this.inner.root;
  }

  read(file: string, maxBytes?: number): ReturnType<ProjectFs['read']> {
    const r = this.inner.read(file, maxBytes);
    this.log.push(`read ${file} ${maxBytes ?? ''} ${r.ok ? `${sha256(r.text)} ${r.note ?? ''}` : `refused ${r.reason}`}`);
    return r;
  }

  exists(file: string): ReturnType<ProjectFs['exists']> {
    const r = this.inner.exists(file);
    this.log.push(`exists ${file} ${r ?? '-'}`);
    return r;
  }

  list(dir: string): ReturnType<ProjectFs['list']> {
    const r = this.inner.list(dir);
    this.log.push(`list ${dir} ${r ? JSON.stringify(r) : '-'}`);
    return r;
  }

  digest(): string {
    return sha256(this.log.join('\n'));
  }
}
