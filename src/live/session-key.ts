import { reasonOf } from './errors.js';
import { laravelSessionKeyCandidates, type RedisSessionTarget } from './project-settings.js';
import { describeTarget, findSessionKey, openSessionStore, type StoreTarget } from './redis-store.js';
import type { LiveIssue } from './report.js';

export interface SessionKeyCheck {
  store: StoreTarget;
  db: number;
  layout: Pick<RedisSessionTarget, 'clientPrefix' | 'cachePrefix' | 'sessionPrefix' | 'connection'>;
  laravelMajor?: number;
  lifetimeMinutes?: number;
  /** A Node app with connect-redis: the key is `nodePrefix + id`, and its TTL is compared with `ttlSeconds`. */
  node?: { prefix: string; prefixFrom?: string; ttlSeconds?: number };
  /** The session id made on `node` (never printed: it is shown as <session id>). */
  sessionId: string;
  /** The app node the session was made on. */
  nodeUrl: string;
  timeoutMs: number;
}

/** A TTL below this share of session.lifetime*60 is reported. */
export const TTL_FLOOR = 0.5;

/**
 * live/store-session-missing: the session the scenario made on a node must have a key where the
 * project's config says Laravel keeps sessions; its TTL is compared with session.lifetime.
 */
export async function checkSessionKey(c: SessionKeyCheck): Promise<{ issues: LiveIssue[]; observation: Record<string, unknown> }> {
  const target = describeTarget(c.store);
  const candidates = c.node
    ? [{ key: `${c.node.prefix}${c.sessionId}`, layout: `connect-redis prefix "${c.node.prefix}" (${c.node.prefixFrom ?? 'from the project'})` }]
    : laravelSessionKeyCandidates(c.layout, c.sessionId, c.laravelMajor);
  const shown = (k: string) => k.split(c.sessionId).join('<session id>');
  const where = `${target}${c.store.kind === 'cluster' ? '' : ` db ${c.db}`} (${c.node ? 'the connect-redis store of the app' : `connection "${c.layout.connection}"`})`;
  const observation: Record<string, unknown> = { store: target, db: c.db, candidates: candidates.map((k) => shown(k.key)) };
  let client;
  try {
    client = await openSessionStore(c.store, c.timeoutMs, c.db);
  } catch (e) {
    const reason = reasonOf(e, c.timeoutMs);
    observation.error = `could not open the store (${reason})`;
    // SELECT refused: the db the config names does not exist there, so no node can keep sessions in it.
    if (/DB index is out of range|invalid DB index/i.test(String((e as Error)?.message))) {
      return {
        issues: [{ id: 'live/store-session-missing', target, message: `The project's config says sessions live in ${where}, but that Redis has no db ${c.db} (${reason}), while ${c.nodeUrl} serves sessions: the nodes keep them somewhere else.` }],
        observation,
      };
    }
    return {
      issues: [{ id: 'live/check-incomplete', target, message: `The session key made on ${c.nodeUrl} could not be looked up in ${where} (${reason}): whether sessions are where the config says was not checked.` }],
      observation,
    };
  }
  try {
    let hit;
    try {
      hit = await findSessionKey(
        client,
        candidates.map((k) => k.key),
      );
    } catch (e) {
      const reason = reasonOf(e, c.timeoutMs);
      observation.error = `lookup failed (${reason})`;
      return {
        issues: [{ id: 'live/check-incomplete', target, message: `The session key made on ${c.nodeUrl} could not be looked up in ${where} (${reason}): whether sessions are where the config says was not checked.` }],
        observation,
      };
    }
    const expected = c.node ? (c.node.ttlSeconds ?? null) : c.lifetimeMinutes ? c.lifetimeMinutes * 60 : null;
    if (!hit) {
      observation.found = null;
      return {
        issues: [
          {
            id: 'live/store-session-missing',
            target,
            message: `The session made on ${c.nodeUrl} has no key in ${where}: looked for ${candidates.map((k) => shown(k.key)).join(' and ')}. The nodes store sessions somewhere else than the configuration says (another Redis, database or prefix), so what this store holds is not what the nodes use.`,
          },
        ],
        observation,
      };
    }
    const layout = candidates.find((k) => k.key === hit.key)?.layout;
    observation.found = { key: shown(hit.key), layout, ttlSeconds: hit.ttlSeconds, expectedTtlSeconds: expected };
    const issues: LiveIssue[] = [];
    if (expected && hit.ttlSeconds >= 0 && hit.ttlSeconds < expected * TTL_FLOOR) {
      issues.push({
        id: 'live/store-session-missing',
        target,
        message: c.node
          ? `The session key ${shown(hit.key)} expires in ${hit.ttlSeconds} s, far below the ${expected} s the app's code sets (connect-redis ttl, else cookie.maxAge, else one day): sessions disappear from the store early (a node with other session options, or something rewriting the TTL).`
          : `The session key ${shown(hit.key)} expires in ${hit.ttlSeconds} s, far below session.lifetime ${c.lifetimeMinutes} min (${expected} s): sessions disappear from the store before the configured lifetime (a node with another SESSION_LIFETIME, or something rewriting the TTL).`,
      });
    }
    return { issues, observation };
  } finally {
    client.disconnect();
  }
}
