import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audit } from '../../src/api/audit.js';
import { loadTs } from '../../src/ecosystems/node/tsapi.js';
import type { Rule } from '../../src/engine/rule.js';
import databaseRule from '../../rules/node/database-local-file.js';
import logRule from '../../rules/node/log-to-local-file.js';
import rule from '../../rules/node/in-memory-shared-state.js';
import rateLimitRule from '../../rules/node/rate-limit-memory.js';
import uploadRule from '../../rules/node/upload-to-local-disk.js';
import { mayHoldSharedState } from '../../rules/node/support/shared-state-text.js';

/**
 * node/in-memory-shared-state's text screen (`mayReport`) must be exact or wider than its checkFile: an app audited
 * with the screen reports exactly what it reports without it. Each file below is one shape the screen reads
 * (write forms, typed declarations, comments, regular expressions and templates that hide braces).
 */
const REPORTED: Record<string, string> = {
  'set.js': "const tokens = new Map();\nmodule.exports = (app) => app.post('/a', (req, res) => { tokens.set(req.body.t, 1); res.json(tokens.size); });\n",
  'push.js': "let seen = [];\nmodule.exports = (app) => app.get('/b', (req, res) => { seen.push(req.ip); res.json(seen); });\n",
  'assign.js': "var online = {};\nmodule.exports = (app) => app.get('/c', (req, res) => { online[req.query.u] = Date.now(); res.json(online); });\n",
  'compound.js': "const counters = { hits: 0 };\nmodule.exports = (app) => app.get('/d', (req, res) => { counters.hits += 1; res.json(counters); });\n",
  'delete.js': "const sessions = {};\nmodule.exports = (app) => app.get('/e', (req, res) => { delete sessions[req.query.s]; res.json(sessions); });\n",
  'prefix.js': "const stats = { n: 0 };\nmodule.exports = (app) => app.get('/f', (req, res) => { ++stats.n; res.json(stats); });\n",
  'typed.ts':
    "type Fn = (x: number) => void;\nexport const handlers: Map<string, Fn> = new Map();\nexport default (app: any) => app.get('/g', (req: any, res: any) => { handlers.set(req.query.k, () => undefined); res.json(handlers.size); });\n",
  'comments.js':
    "const cache = new Set(); // per user\nmodule.exports = (app) => app.get('/h', (req, res) => { cache // remember\n  /* each */ . /* ip */ add(req.ip); res.json([...cache]); });\n",
  'wrapped.ts': "export const registry = {} as Record<string, string>;\nexport default (app: any) => app.get('/i', (req: any, res: any) => { registry [ req.query.k ] ??= 'x'; res.json(registry); });\n",
  // A regular expression and a string holding braces before the declaration: misread as code, the depth would be wrong.
  'regex.js':
    "const re = /[{]+}/g;\nconst s = '{{{';\nif (s) /}/.test(s);\nconst t = `${ { a: '}' }.a }${/{/.source}`;\nconst half = (1 + 2) / 2;\nconst byId = new Map();\nmodule.exports = (app) => app.get('/j', (req, res) => { byId.set(req.query.id, re.test(s) + t + half); res.json([...byId]); });\n",
  'declarators.js': "const a = [1], registry = new Map();\nmodule.exports = (app) => app.get('/n', (req, res) => { registry.set(req.query.k, a); res.json([...registry]); });\n",
  'optional.js': "const q = [];\nmodule.exports = (app) => app.get('/k', (req, res) => { q?.push(req.ip); res.json(q); });\n",
};
/** Files the screen must drop: local containers, constant tables, top-level containers that are only read. */
const DROPPED: Record<string, string> = {
  'local.js': "const LIMITS = { max: 5 };\nmodule.exports = (app) => app.get('/l', (req, res) => { const out = []; out.push(LIMITS.max); const m = new Map(); m.set(1, 2); res.json(out); });\n",
  'tables.ts': "export const COLORS = ['red', 'blue'];\nexport const byName: Record<string, number> = { a: 1 };\nexport const lookup = (k: string) => byName[k] ?? COLORS[0];\n",
  // a type alias is no variable, however its name is used
  'types.ts': "type Shape = { a: number };\nlet Shape2: Shape;\nexport default (app: any) => app.get('/o', (req: any, res: any) => { const s: Shape = { a: 1 }; s.a = 2; Shape2 = s; res.json(Shape2); });\n",
  'read.js': "const names = new Set(['a']);\nconst opts = {};\nmodule.exports = (app) => app.get('/m', (req, res) => { const o = { ...opts }; o.x = 1; res.json(names.has(req.query.n) && o); });\n",
};

let dir: string;
beforeAll(async () => {
  await loadTs();
  dir = mkdtempSync(path.join(os.tmpdir(), 'statelint-screen-'));
  const files = { ...REPORTED, ...DROPPED };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'screen', main: 'app.js', dependencies: { express: '^4.19.0' } }));
  writeFileSync(path.join(dir, 'app.js'), `const app = require('express')();\n${Object.keys(files).map((f) => `require('./${f}');`).join('\n')}\napp.listen(3000);\n`);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const findings = async (r: Rule) => (await audit({ path: dir, rules: [r], ecosystems: ['node'] })).report.findings.map((f) => `${f.location.file}:${f.location.line} ${f.message}`).sort();

describe('node/in-memory-shared-state text screen', () => {
  it('reports exactly what the rule reports without the screen', async () => {
    const unscreened = { ...rule, files: { ...rule.files!, mayReport: undefined } } as Rule;
    const without = await findings(unscreened);
    expect(without.map((f) => f.split(':')[0])).toEqual(Object.keys(REPORTED).sort());
    expect(await findings(rule as Rule)).toEqual(without);
  });

  it('passes every file with a finding and drops files with no container written through its name', () => {
    for (const [name, text] of Object.entries(REPORTED)) expect([name, mayHoldSharedState(text)]).toEqual([name, true]);
    for (const [name, text] of Object.entries(DROPPED)) expect([name, mayHoldSharedState(text)]).toEqual([name, false]);
  });

  it('passes what it cannot read for sure: JSX, Flow, Nest singletons, cache packages, a `/` after `}`', () => {
    const write = "\nexport default (app) => app.get('/', (req, res) => { const m = new Map(); m.set(1, 2); res.send(m); });\n";
    expect(mayHoldSharedState(`const a = <div>{x}</div>;${write}`)).toBe(true);
    expect(mayHoldSharedState(`// @flow\n${write}`)).toBe(true);
    expect(mayHoldSharedState(`@Injectable()\nexport class S { users = []; add(u) { this.users.push(u); } }`)).toBe(true);
    expect(mayHoldSharedState(`import { LRUCache } from 'lru-cache';${write}`)).toBe(true);
    expect(mayHoldSharedState(`function f() {}\n/x/.test('y');${write}`)).toBe(true);
    // a hostile file: unbalanced braces, an unterminated template; answered at once, never a hang
    expect(mayHoldSharedState('}}}} `${'.repeat(20_000))).toBe(true);
  });

  it('stays linear on hostile files (long types after many declarations, thousands of containers, nested brackets)', () => {
    // each case took seconds or grew quadratically before the scan budget and the cap on names (test timeout: 5 s)
    expect(mayHoldSharedState(`const a: b c d e f g h ${'const b: x y z w v u t s r q '.repeat(20_000)}`)).toBe(false);
    expect(mayHoldSharedState(`${Array.from({ length: 20_000 }, (_, i) => `const a${i} = {};`).join('\n')}\nfunction f() { return 1; }`)).toBe(true);
    expect(mayHoldSharedState(`const a = [];\nfunction f() {\n${'a[a[a[a[a['.repeat(60_000)}\n}`)).toBe(true);
  });
});

describe('node/rate-limit-memory text screen', () => {
  it('drops files that only name a rate limiter in prose, passes files that import a limiter module', () => {
    const mayReport = rateLimitRule.files!.mayReport!;
    expect(mayReport('/** A boolean switch to toggle the rate limiter */\nexport const RATE_LIMITER_ENABLED = process.env.RATE_LIMITER_ENABLED;')).toBe(false);
    expect(mayReport("const rateLimit = require('express-rate-limit');")).toBe(true);
    expect(mayReport('import { ThrottlerModule } from "@nestjs/throttler";')).toBe(true);
    expect(mayReport('const { RateLimiter } = require(`limiter`);')).toBe(true);
    expect(mayReport("app.register(import('@fastify/rate-limit'));")).toBe(true);
    expect(mayReport("const m = require('\\x6cimiter');")).toBe(true); // escapes are not read: may
  });
});

describe('module screens of node/upload-to-local-disk and node/database-local-file', () => {
  it('upload: drops formidable options handed to another package, passes imports of multer, formidable or fs and .mv()', () => {
    const mayReport = uploadRule.files!.mayReport!;
    expect(mayReport('app.use(bodyParser({ multipart: true, formidable: { maxFileSize: 10 } }));')).toBe(false);
    expect(mayReport("const multer = require('multer');")).toBe(true);
    expect(mayReport('import { createWriteStream } from "node:fs";')).toBe(true);
    expect(mayReport("import { writeFile } from 'fs/promises';")).toBe(true);
    expect(mayReport('req.files.avatar.mv(dest);')).toBe(true);
  });
  it('database: drops models that only call this.knex(), passes imports of the database modules', () => {
    const mayReport = databaseRule.files!.mayReport!;
    expect(mayReport("module.exports = class User extends Model { static query() { return this.knex().table('users'); } };")).toBe(false);
    expect(mayReport("if (WIKI.config.db.type === 'sqlite') { dbClient = 'sqlite3'; }")).toBe(false); // a setting, not an import
    expect(mayReport("const knex = require('knex')({ client: 'sqlite3' });")).toBe(true);
    expect(mayReport("const knex = require(/* the query builder */ 'knex');")).toBe(true); // a comment before the name: may
    expect(mayReport('import Database from "better-sqlite3";')).toBe(true);
    expect(mayReport("import { DatabaseSync } from 'node:sqlite';")).toBe(true);
    expect(mayReport("import { JSONFile } from 'lowdb/node';")).toBe(true);
    expect(mayReport("TypeOrmModule.forRoot({ type: 'sqlite' }); import { TypeOrmModule } from '@nestjs/typeorm';")).toBe(true);
  });
});

describe('node/log-to-local-file module screen', () => {
  it('drops a write stream from another package, passes logging modules and the names its option objects need', () => {
    const mayReport = logRule.files!.mayReport!;
    expect(mayReport("import fs from 'fs-extra';\nconst out = fs.createWriteStream(zipPath);")).toBe(false);
    expect(mayReport("import winston from 'winston';")).toBe(true);
    expect(mayReport("const { createWriteStream } = require('node:fs');")).toBe(true);
    expect(mayReport("const transport = { target: 'pino/file' }; const name = 'pino';")).toBe(true); // checkFile's `uses`: a quoted name
    expect(mayReport('log4js.configure({ appenders: { app: { type: "file" } } }); // from "log4js"')).toBe(true);
  });
});
