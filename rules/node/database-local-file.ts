import type { ts as T } from 'ts-morph';
import { defineRule } from '../../src/engine/rule.js';
import { importsOneOf } from './support/module-screen.js';
import type { Origin, Val } from '../../src/engine/values.js';
import { nodeOf } from '../../src/ecosystems/node/facts.js';
import { analyse, choose, valueNode, enclosingFunction, evaluate, insideHandler, LANGUAGES, options, qname, related, serverFile, ts, unwrap, whyText, type Analysis, type Call, type Node } from './support/common.js';

const DB_MODULES = importsOneOf(['sqlite3', 'sqlite', 'better-sqlite3', 'node:sqlite', 'sequelize', 'sequelize-typescript', 'knex', 'typeorm', '@nestjs/typeorm', 'lowdb', 'lowdb/node', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'nedb', '@seald-io/nedb', 'nedb-promises']);
const SQLITE = /^(?:sqlite3?|better-sqlite3|sqlite)$/;
const IN_MEMORY = /^(?::memory:|)$/;
const FILE_ADAPTERS = /^(?:lowdb\/node#(?:JSONFile|JSONFileSync|TextFile|TextFileSync|DataFile|DataFileSync)|lowdb\/adapters\/(?:FileSync|FileAsync)#|lowdb\/lib\/adapters\/\w+#|lowdb#(?:JSONFile|JSONFileSync))/;

const REMEDIATION =
  'Move the data to a database server every replica shares (PostgreSQL or MySQL through the same ORM: e.g. `dialect: \'postgres\'` with `process.env.DATABASE_URL`, Prisma `provider = "postgresql"`), or Redis/MongoDB for documents. A file database on local disk exists once per replica and is lost with the container.';

/** The lines that decided a value other than the literal at the call: env lines, config files, unset variables. */
function deciding(v: Val | undefined, file: string): Origin[] {
  if (!v) return [];
  return [v.origin, ...v.via].filter((o) => o.fromEnv || (o.file !== file && !o.file.startsWith('(')) || /is not set/.test(o.note));
}

function scalarText(v: Val): string | undefined {
  return v.t === 'scalar' && v.v !== null ? String(v.v) : undefined;
}

export default defineRule<Node>({
  meta: {
    id: 'node/database-local-file',
    ecosystem: 'node',
    category: 'database',
    severity: 'error',
    summary: 'The primary store is a file on the server (SQLite through sqlite3/better-sqlite3/Sequelize/knex/TypeORM/Prisma, lowdb, NeDB, a JSON file)',
    why: 'Each replica reads and writes its own copy of the file: data written through one replica is missing on the others, and a redeploy can wipe it.',
    remediation: REMEDIATION,
    examples: { bad: "new Sequelize({ dialect: 'sqlite', storage: 'data/app.sqlite' })", good: "new Sequelize(process.env.DATABASE_URL, { dialect: 'postgres' })" },
    fixable: false,
  },
  check(ctx) {
    const nf = nodeOf(ctx.facts);
    for (const schema of nf?.prismaSchemas ?? []) {
      const lines = schema.text.split('\n');
      let inDatasource = false;
      lines.forEach((line, i) => {
        if (/^\s*datasource\s+\w+\s*\{/.test(line)) inDatasource = true;
        else if (/^\s*\}/.test(line)) inDatasource = false;
        else if (inDatasource && /^\s*provider\s*=\s*"sqlite"/.test(line)) {
          const col = line.indexOf('provider') + 1;
          ctx.report({
            location: { file: schema.file, line: i + 1, column: col, endLine: i + 1, endColumn: line.trimEnd().length + 1 },
            message: 'Prisma datasource provider is "sqlite": the database is a file on each replica.',
            remediation: 'Set `provider = "postgresql"` (or "mysql") with `url = env("DATABASE_URL")` pointing at a shared server, and regenerate the migrations for it.',
          });
        }
      });
    }
  },
  files: {
    languages: LANGUAGES,
    prefilter: /sqlite|new\s+[\w$.]*Sequelize\b|knex|typeorm|TypeOrmModule|DataSource|lowdb|nedb|writeFile/,
    include: serverFile,
    // A report needs a call that resolves to one of these modules (support/module-screen.ts): models that call
    // `this.knex()` (wiki: 35 files) or compare a setting with 'sqlite' are not parsed.
    mayReport: (text) => DB_MODULES.test(text),
  },
  checkFile(ctx) {
    const a = analyse(ctx);
    const report = (node: Call, message: string, because: Origin[] = []) =>
      a.report({ node, message: `${message}${whyText(because.slice(0, 1))}: each replica has its own copy of the data.`, related: related(because), remediation: REMEDIATION });
    const fileArg = (e: T.Expression | undefined) => {
      if (!e) return { memory: true, text: '' };
      const v = evaluate(a.nf, e);
      const t = scalarText(v);
      return { memory: t !== undefined && IN_MEMORY.test(t), text: t ?? e.getText(), because: v.origin.fromEnv ? [v.origin] : [] };
    };
    for (const { call, q } of a.calls) {
      if (!q) continue;
      if (/^sqlite3#(?:verbose\(\)\.)?(?:Database|cached\.Database)$/.test(q) || (q === 'better-sqlite3#' && ts.isNewExpression(call)) || q === 'better-sqlite3#' || q === 'node:sqlite#DatabaseSync') {
        const f = fileArg(call.arguments?.[0]);
        if (!f.memory) report(call, `SQLite database file ${f.text}`, f.because);
      } else if (q === 'sqlite#open') {
        const f = fileArg(options(a.nf, call)?.props.get('filename'));
        if (!f.memory) report(call, `SQLite database file ${f.text}`, f.because);
      } else if ((q === 'sequelize#Sequelize' || q === 'sequelize#' || q === 'sequelize-typescript#Sequelize') && ts.isNewExpression(call)) {
        const argsList = call.arguments ?? [];
        const first = argsList[0] && evaluate(a.nf, argsList[0]);
        if (first && scalarText(first)?.startsWith('sqlite:')) {
          if (!/^sqlite:(?::memory:|\/\/\/?:memory:)?$/.test(scalarText(first)!)) report(call, `Sequelize connects to ${scalarText(first)}`, first.origin.fromEnv ? [first.origin] : []);
          continue;
        }
        const optsIndex = argsList.findIndex((x, i) => i === argsList.length - 1 && !ts.isStringLiteral(x));
        const opts = optsIndex >= 0 ? options(a.nf, call, optsIndex) : undefined;
        const dialect = opts && evaluate(a.nf, opts.props.get('dialect'));
        if (dialect && scalarText(dialect) === 'sqlite') {
          const f = fileArg(opts!.props.get('storage'));
          if (!f.memory || !opts!.props.get('storage')) {
            if (!opts!.props.get('storage')) continue; // Sequelize's default storage is in memory
            report(call, `Sequelize uses SQLite (storage ${f.text})`, [...deciding(dialect, ctx.file.path), ...(f.because ?? [])]);
          }
        }
      } else if ((q === 'knex#' || q === 'knex#knex' || q === 'knex#default') && ts.isCallExpression(call)) {
        checkClient(a, call, options(a.nf, call), 'client', 'knex', report);
      } else if (/^typeorm#(?:DataSource|createConnection)$/.test(q) || /^@nestjs\/typeorm#TypeOrmModule\.forRoot$/.test(q)) {
        checkClient(a, call, options(a.nf, call), 'type', q.startsWith('@nestjs') ? 'TypeOrmModule' : 'TypeORM', report);
      } else if (q === '@nestjs/typeorm#TypeOrmModule.forRootAsync' && ts.isCallExpression(call)) {
        // forRootAsync({ useFactory: (config) => ({ type, database }) }): the object the factory returns
        const factory = options(a.nf, call)?.props.get('useFactory');
        const body = factory && factoryResult(factory);
        if (body) checkClient(a, call, options(a.nf, { arguments: [body] } as unknown as Call), 'type', 'TypeOrmModule', report);
      } else if ((q === 'lowdb#Low' || q === 'lowdb#LowSync' || q === 'lowdb#') && call.arguments?.[0]) {
        const adapter = choose(a.nf, call.arguments[0]).node;
        const n = adapter && unwrap(adapter);
        const aq = n && (ts.isNewExpression(n) || ts.isCallExpression(n)) ? qname(n.expression) : undefined;
        if (aq && FILE_ADAPTERS.test(aq)) report(call, `lowdb stores the data in the JSON file ${fileArg((n as Call).arguments?.[0]).text}`);
      } else if (/^lowdb\/node#JSONFile(?:Sync)?Preset$/.test(q)) {
        report(call, `lowdb stores the data in the JSON file ${fileArg(call.arguments?.[0]).text}`);
      } else if (/^(?:node:)?fs(?:\/promises)?#(?:promises\.)?writeFile(?:Sync)?$/.test(q) && ts.isCallExpression(call) && /^JSON\.stringify\s*\(/.test(call.arguments[1]?.getText() ?? '')) {
        // a JSON file as the primary store: JSON written to a .json file while serving requests
        const known = fileArg(call.arguments[0]);
        const p = known.text === call.arguments[0]?.getText() ? (valueNode(a.nf, call.arguments[0])?.getText() ?? known.text) : known.text;
        if (!/\.json\b/.test(p) || /tmp|temp/i.test(p) || !servesRequests(call)) continue;
        report(call, `The JSON file ${p.slice(0, 80)} is used as a data store (written while serving requests)`);
      } else if ((q === 'nedb#' || q === '@seald-io/nedb#' || q === 'nedb-promises#' || q === 'nedb-promises#create' || q === 'nedb-promises#datastore') && call.arguments?.[0]) {
        const arg = call.arguments[0];
        const filename = ts.isObjectLiteralExpression(unwrap(arg)) || ts.isIdentifier(unwrap(arg)) ? options(a.nf, call)?.props.get('filename') : arg;
        if (!filename) continue;
        const f = fileArg(filename);
        if (!f.memory) report(call, `NeDB stores the data in the file ${f.text}`);
      }
    }
  },
});

function checkClient(a: Analysis, call: Call, opts: ReturnType<typeof options>, key: string, lib: string, report: (n: Call, m: string, b?: Origin[]) => void): void {
  if (!opts) return;
  const v = evaluate(a.nf, opts.props.get(key));
  const client = scalarText(v);
  if (!client || !SQLITE.test(client)) return;
  const conn = opts.props.get('connection');
  const connOpts = conn ? options(a.nf, { arguments: [conn] } as unknown as Call) : undefined;
  const fileExpr = connOpts?.props.get('filename') ?? opts.props.get('database');
  const file = fileExpr ? evaluate(a.nf, fileExpr) : undefined;
  const text = file ? scalarText(file) : undefined;
  if (text !== undefined && IN_MEMORY.test(text)) return;
  report(call, `${lib} uses ${client}${text ? ` (file ${text})` : ''}`, deciding(v, a.ctx.file.path));
}

/** Inside a handler, or inside a function of this file that a handler calls (`save()` called from a route). */
function servesRequests(call: Node): boolean {
  if (insideHandler(call)) return true;
  const fn = enclosingFunction(call);
  if (!fn) return false;
  const name = ts.isFunctionDeclaration(fn) ? fn.name?.text : ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name) ? fn.parent.name.text : undefined;
  if (!name) return false;
  let hit = false;
  const visit = (n: Node) => {
    if (hit) return;
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === name && insideHandler(n)) hit = true;
    ts.forEachChild(n, visit);
  };
  visit(call.getSourceFile());
  return hit;
}

/** What a one-expression factory returns (`(c) => ({ ... })`, or a body with a single `return`). */
function factoryResult(e: T.Expression): T.Expression | undefined {
  const f = unwrap(e);
  if (!ts.isArrowFunction(f) && !ts.isFunctionExpression(f) && !ts.isMethodDeclaration(f)) return undefined;
  const body = (f as T.ArrowFunction).body;
  if (body && !ts.isBlock(body)) return body;
  const rets = body && ts.isBlock(body) ? body.statements.filter(ts.isReturnStatement) : [];
  return rets.length === 1 ? rets[0].expression : undefined;
}
