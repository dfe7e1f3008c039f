import { defineRule } from '../../src/engine/rule.js';
import { appState, deployOf } from './support/app.js';

export default defineRule({
  meta: {
    id: 'deploy/sticky-sessions-hide-local-state',
    ecosystem: 'deploy',
    category: 'deployment',
    severity: 'warning',
    summary: 'Session affinity (sticky sessions) in front of an app that keeps sessions, uploads or cache on the node',
    why:
      'Sticky sessions (Service sessionAffinity: ClientIP, ingress-nginx/Traefik/ALB cookie affinity, Elastic Beanstalk ' +
      'stickiness) send each client back to the node that served it, so file sessions, local uploads and a local cache ' +
      'seem to work. They stop working the moment that node dies, is scaled in or is replaced by a deploy: its users are ' +
      'logged out and their files are gone. Affinity also spreads load unevenly.',
    remediation:
      'Move the per-node state to shared stores (SESSION_DRIVER=redis or database, CACHE_STORE=redis, uploads on S3 or a ' +
      'ReadWriteMany volume), then remove the affinity, or keep it only as a cache-locality optimisation.',
    examples: {
      bad: 'kind: Service\nspec:\n  sessionAffinity: ClientIP   # app: SESSION_DRIVER=file',
      good: 'kind: Service\nspec:\n  sessionAffinity: None        # app: SESSION_DRIVER=redis',
    },
    fixable: false,
  },

  check({ facts, report }) {
    const deploy = deployOf(facts);
    if (!deploy) return;
    const state = appState(facts);
    for (const a of deploy.affinities) {
      const targets = deploy.workloads.filter((w) => a.targets.includes(w.id));
      if (targets.length && !targets.some((w) => w.app && !w.dev)) continue; // affinity to a store or proxy, not to the app
      const behind = targets.length ? ` (in front of ${targets.map((w) => w.id).join(', ')})` : '';
      if (state.checked) {
        if (!state.perNode.length) continue; // a stateless app behind affinity loses nothing when a node goes
        report({
          location: a.loc,
          message: `${a.kind}${behind} pins each client to one node and hides that the app keeps ${state.perNode.join('; ')} on that node: it works until the node dies, scales in or is redeployed, then those users lose them.`,
        });
      } else {
        report({
          location: a.loc,
          message: `${a.kind}${behind} pins each client to one node. No app statelint can resolve was found here, so it could not check whether sessions, uploads or cache are per node: if they are, affinity hides it until a node dies, scales in or is redeployed (unverified).`,
        });
      }
    }
  },
});
