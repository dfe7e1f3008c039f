import { defineRule } from '../../src/engine/rule.js';
import { appState, deployOf, isMulti, replicasText, STATE_PATH, production } from './support/app.js';

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
    for (const w of production(deploy)) {
      if (!w.app || !isMulti(w)) continue;
      const stateMounts = w.mounts.filter((m) => STATE_PATH.test(m.path));
      for (const m of stateMounts) {
        const why = w.platform === 'compose' && m.kind === 'emptyDir' ? WHY.emptyDirCompose : WHY[m.kind];
        if (!why) continue;
        report({
          location: m.loc,
          related: [
            { file: w.replicas.loc.file, line: w.replicas.loc.line, message: w.replicas.note },
            ...(m.decidedBy ? [{ file: m.decidedBy.file, line: m.decidedBy.line, message: `volume ${m.volume}` }] : []),
          ],
          message: `${w.id} runs ${replicasText(w)} (${w.replicas.note}) and mounts ${m.path} from ${why}: files one replica writes there are missing on the others.`,
        });
      }
      // Nothing mounted where the app keeps state: it stays in each container's (or instance's) own file system.
      const covered = (re: RegExp) => w.mounts.some((m) => re.test(m.path.replace(/\/+$/, '')));
      const kept = [
        ...(state.sessions && !covered(/(?:^|\/)storage(?:\/framework(?:\/sessions)?)?$|sessions$/) ? [state.sessions] : []),
        ...(state.uploads && !covered(/(?:^|\/)storage(?:\/app(?:\/public)?)?$|uploads$/) ? [state.uploads] : []),
      ];
      if (w.web && kept.length && w.platform !== 'procfile') {
        report({
          location: w.replicas.loc,
          message: `${w.id} runs ${replicasText(w)} (${w.replicas.note}) with no shared volume where the app writes ${kept.join('; ')}: each replica keeps its own copy in its container file system.`,
        });
      }
    }
  },
});
