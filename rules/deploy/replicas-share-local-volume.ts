import { defineRule } from '../../src/engine/rule.js';
import { appState, deployOf, isMulti, replicasText, STATE_PATH, production, type Workload } from './support/app.js';

const WHY: Record<string, string> = {
  emptyDir: 'an emptyDir (each pod gets its own, deleted with the pod)',
  hostPath: "a hostPath (each node's own disk)",
  'claim-rwo': 'a ReadWriteOnce claim (attachable to one node only: pods on other nodes cannot start, or every replica is pinned to one node)',
  emptyDirCompose: 'an anonymous volume (each container gets its own)',
};

export default defineRule({
  meta: {
    id: 'deploy/replicas-share-local-volume',
    ecosystem: 'deploy',
    category: 'deployment',
    severity: 'error',
    summary: 'Several replicas write uploads, sessions or storage/ to a volume that is per pod or per node',
    why:
      'With more than one replica, a file written by one pod to an emptyDir, a hostPath, a ReadWriteOnce claim or the ' +
      "container's own file system is invisible to the others: an upload saved by pod A is a 404 on pod B, a session " +
      'file on A does not exist on B. A ReadWriteOnce claim also cannot be mounted on two nodes at once.',
    remediation:
      'Store uploads on object storage (FILESYSTEM_DISK=s3) and sessions/cache in Redis or the database; if files must ' +
      'stay on a file system, mount a ReadWriteMany claim (NFS, EFS, CephFS, Azure Files) at that path.',
    examples: {
      bad: 'replicas: 3\n...\nvolumeMounts:\n  - name: storage\n    mountPath: /var/www/html/storage   # emptyDir',
      good: 'replicas: 3\n...\nvolumeMounts:\n  - name: storage\n    mountPath: /var/www/html/storage   # PVC accessModes: [ReadWriteMany]',
    },
    fixable: false,
  },

  check({ facts, report }) {
    const deploy = deployOf(facts);
    if (!deploy) return;
    const state = appState(facts);
    // One finding per line: a base mount seen through several overlays names every workload that has it.
    const byLine = new Map<string, { loc: Workload['loc']; ws: Workload[]; related: { file: string; line: number; message: string }[]; text: (ws: Workload[]) => string }>();
    const add = (loc: Workload['loc'], w: Workload, related: { file: string; line: number; message: string }[], text: (ws: Workload[]) => string) => {
      const at = `${loc.file}:${loc.line}`;
      const e = byLine.get(at) ?? { loc, ws: [], related: [], text };
      e.ws.push(w);
      for (const r of related) if (!e.related.some((x) => x.file === r.file && x.line === r.line)) e.related.push(r);
      byLine.set(at, e);
    };
    const runs = (ws: Workload[]) => ws.map((w) => `${w.id} runs ${replicasText(w)} (${w.replicas.note})`).join(', ');
    for (const w of production(deploy)) {
      if (!w.app || !isMulti(w)) continue;
      const stateMounts = w.mounts.filter((m) => STATE_PATH.test(m.path));
      for (const m of stateMounts) {
        const why = w.platform === 'compose' && m.kind === 'emptyDir' ? WHY.emptyDirCompose : WHY[m.kind];
        if (!why) continue;
        add(
          m.loc,
          w,
          [{ file: w.replicas.loc.file, line: w.replicas.loc.line, message: w.replicas.note }, ...(m.decidedBy ? [{ file: m.decidedBy.file, line: m.decidedBy.line, message: `volume ${m.volume}` }] : [])],
          (ws) => `${runs(ws)} and mount${ws.length > 1 ? '' : 's'} ${m.path} from ${why}: files one replica writes there are missing on the others.`,
        );
      }
      // Nothing mounted where the app keeps state: it stays in each container's (or instance's) own file system.
      // (Not said when the volumes are decided by templates statelint does not render.)
      if (w.mountsUnknown) continue;
      const covered = (re: RegExp) => w.mounts.some((m) => re.test(m.path.replace(/\/+$/, '')));
      const kept = [
        ...(state.sessions && !covered(/(?:^|\/)storage(?:\/framework(?:\/sessions)?)?$|sessions$/) ? [state.sessions] : []),
        ...(state.uploads && !covered(/(?:^|\/)storage(?:\/app(?:\/public)?)?$|uploads$/) ? [state.uploads] : []),
      ];
      if (w.web && kept.length && w.platform !== 'procfile') {
        add(w.replicas.loc, w, [], (ws) => `${runs(ws)} with no shared volume where the app writes ${kept.join('; ')}: each replica keeps its own copy in its container file system.`);
      }
    }
    for (const e of byLine.values()) report({ location: e.loc, ...(e.related.length ? { related: e.related } : {}), message: e.text(e.ws) });
  },
});
