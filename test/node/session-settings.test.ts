import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNodeSessions } from '../../src/ecosystems/node/session.js';
import { DiskFs } from '../../src/project/fs.js';

/** What `statelint live <node app>` reads of express-session and connect-redis (the key is prefix + session id). */
const app = (name: string) => new DiskFs(path.resolve(__dirname, '../../fixtures/node-scope/sessions', name));

describe('express-session settings for the live key check', () => {
  it('connect-redis 8 with node-redis: prefix from .env, TTL option, URL with db, cookie name through a spread', async () => {
    const [s] = await readNodeSessions(app('a'), {});
    expect(s).toMatchObject({ file: 'server.ts', store: 'connect-redis', cookie: 'a.sid', prefix: 'app-a:', prefixFrom: '.env:2', ttlSeconds: 3600, redisUrl: 'redis://cache.internal:6380/2' });
  });

  it('--env on top of the env files decides the prefix and the server', async () => {
    const [s] = await readNodeSessions(app('a'), { env: { SESSION_PREFIX: 'ci:', REDIS_URL: 'redis://127.0.0.1:6379' } });
    expect(s).toMatchObject({ prefix: 'ci:', redisUrl: 'redis://127.0.0.1:6379' });
  });

  it('connect-redis 6 factory with ioredis options: default prefix sess:, cookie.maxAge as TTL, connect.sid', async () => {
    const [s] = await readNodeSessions(app('b'), {});
    expect(s).toMatchObject({ file: 'app.js', store: 'connect-redis', cookie: 'connect.sid', prefix: 'sess:', prefixFrom: 'default of connect-redis', ttlSeconds: 600, redisUrl: 'redis://redis:6379/1' });
  });

  it('no store: the per-process MemoryStore, nothing to look up', async () => {
    const [s] = await readNodeSessions(app('c'), {});
    expect(s).toMatchObject({ store: 'memory', cookie: 'connect.sid' });
    expect(s!.prefix).toBeUndefined();
  });
});
