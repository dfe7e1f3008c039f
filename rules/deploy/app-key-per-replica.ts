import { createHash } from 'node:crypto';
import { KEY_GENERATE } from '../../src/ecosystems/deploy/model.js';
import { defineRule } from '../../src/engine/rule.js';
import { deployOf, isMulti, replicasText, type Workload, production } from './support/app.js';

const KEYS = ['APP_KEY', 'SESSION_SECRET'];

/** Where a workload's key comes from, as a comparable token (values are hashed, never printed). */
function keySource(w: Workload, key: string): { token: string; loc: Workload['env'][number]['loc'] } | undefined {
  const v = [...w.env].reverse().find((e) => e.key === key);
  if (!v) return undefined;
  if (v.secret) return { token: `secret:${v.secret}`, loc: v.loc };
  if (!v.value || /^\$\{?\w/.test(v.value)) return undefined;
  return { token: `value:${createHash('sha256').update(v.value).digest('hex')}`, loc: v.loc };
}

export default defineRule({
  meta: {
    id: 'deploy/app-key-per-replica',
    ecosystem: 'deploy',
    category: 'deployment',
    severity: 'error',
    summary: 'APP_KEY (or a session secret) generated at container start, or different between workloads serving the same users',
    why:
      'Laravel encrypts and signs cookies (the session id, remember-me, CSRF) with APP_KEY; Express signs its session ' +
      'cookie with the session secret. A key generated when a container starts (`php artisan key:generate` in an ' +
      'entrypoint) differs in every replica and after every restart, so each replica rejects the cookies the others ' +
      'issued: users are logged out whenever the load balancer switches them, and everyone is logged out on each deploy.',
    remediation:
      'Generate the key once (`php artisan key:generate --show`), store it in a Secret or your platform\'s secret store, ' +
      'and give the same value to every workload of the app (valueFrom.secretKeyRef / envFrom.secretRef).',
    examples: {
      bad: '# docker/entrypoint.sh\nphp artisan key:generate --force\nexec php-fpm',
      good: "env:\n  - name: APP_KEY\n    valueFrom:\n      secretKeyRef: { name: app-secrets, key: app-key }",
    },
    fixable: false,
  },

  check({ facts, report }) {
    const deploy = deployOf(facts);
    if (!deploy) return;
    const byLine = new Map<string, { loc: Workload['loc']; source: string; workloads: Workload[]; guarded: boolean }>();
    const texts = new Map<string, string>();
    for (const w of production(deploy)) {
      if (!w.app) continue;
      const provided = KEYS.some((k) => w.env.some((e) => e.key === k)) || w.secretSources.length > 0;
      w.lines.forEach((l, i) => {
        if (!l.runtime || !KEY_GENERATE.test(l.text)) return;
        // `if [ -z "$APP_KEY" ]; then php artisan key:generate; fi` with the key given by the manifest: never runs.
        const guard = [l.text, ...w.lines.slice(Math.max(0, i - 3), i).filter((x) => x.loc.file === l.loc.file).map((x) => x.text)].some((t) => /\bif\b.*APP_KEY|APP_KEY.*\|\||-z\s+"?\$\{?APP_KEY/.test(t));
        if (guard && provided) return;
        // `only-once "key:generate" php artisan key:generate`: run once and kept (pixelfed's entrypoint helpers).
        if (/\b(?:only|run)[-_]once\b/.test(l.text)) return;
        const at = `${l.loc.file}:${l.loc.line}`;
        texts.set(at, l.text);
        const entry = byLine.get(at) ?? { loc: l.loc, source: l.source, workloads: [], guarded: guard };
        entry.workloads.push(w);
        byLine.set(at, entry);
      });
    }
    for (const { loc, source, workloads, guarded } of byLine.values()) {
      const multi = workloads.filter(isMulti);
      const scale = multi.length ? `${multi.map((w) => `${w.id} runs ${replicasText(w)}`).join(', ')}: each replica gets its own key and rejects the cookies the others issued` : guarded
          ? 'it runs when the container has no key yet, and the manifests give none, so every new container (a recreate, an upgrade, a scale-out) makes a new key and logs every user out'
          : 'every restart makes a new key and logs every user out';
      report({ location: loc, message: `The ${workloads.length && /SESSION_SECRET/.test(texts.get(`${loc.file}:${loc.line}`) ?? '') ? 'session secret' : 'app key'} is generated when the container starts (${source}, in ${workloads.map((w) => w.id).join(', ')}): ${scale}.` });
    }
    // The same users served by workloads whose keys differ.
    for (const key of KEYS) {
      const groups = new Map<string, { token: string; loc: Workload['loc']; w: Workload }[]>();
      for (const w of production(deploy)) {
        if (!w.app || w.scheduled) continue;
        const s = keySource(w, key);
        if (!s) continue;
        // Only workloads of one deployment serve the same users (not a staging and a production overlay).
        const group = `${w.platform}|${w.scope ?? ''}`;
        const list = groups.get(group) ?? [];
        list.push({ ...s, w });
        groups.set(group, list);
      }
      for (const list of groups.values()) {
        const first = list[0];
        for (const other of list.slice(1)) {
          if (other.token === first.token) continue;
          report({
            location: other.loc,
            related: [{ file: first.loc.file, line: first.loc.line, message: `${key} of ${first.w.id}` }],
            message: `${key} of ${other.w.id} differs from the one ${first.w.id} uses (values not shown): cookies and encrypted payloads made by one are rejected by the other.`,
          });
        }
      }
    }
  },
});
