import type { ts as T } from 'ts-morph';
import { defineRule } from '../../src/engine/rule.js';
import { analyse, decoratorQname, decoratorsOf, descendants, enclosingFunction, evaluate, insideHandler, LANGUAGES, moduleOf, serverFile, ts, unwrap, type Node } from './support/common.js';

/** A lock, a leader election or a single-instance switch around the job. */
const GUARD = /\b(?:redlock|Redlock|lock|Lock|acquire|advisory_lock|pg_try_advisory|withLock|tryLock|leader|Leader|isLeader|isPrimary|isMaster|NODE_APP_INSTANCE|setnx|SETNX|['"]NX['"]|singleton|runOnce)\b/;
/** The work a long-lived setInterval does that is shared (database, network, mail): per-process cleanups are not jobs. */
const SHARED_WORK = /\b(?:prisma|db|knex|sequelize|mongoose|repository|Repository|repo|query|fetch|axios|got|mail|mailer|sendMail|email|notify|webhook|publish|queue|\.save|\.update\w*|\.delete\w*|\.destroy|\.insert\w*|\.create\w*|\.remove|\.find\w*|\.upsert|\.exec|\.send\w*|\.sync\w*|\.import\w*|\.export\w*|\.process\w*|\.charge|\.bill\w*|report)\b|\b(?:send|notify|charge|bill|sync|import|export|publish|dispatch|process|purge|expire|archive)[A-Z]\w*\s*\(/;

/** A watchdog of this process: checks its own health and exits or restarts (outline's queue HealthMonitor). */
const WATCHDOG = /health|heartbeat|watchdog|liveness|process\.exit\s*\(|\bthis\.exit\s*\(/i;

const JOBS: [RegExp, string][] = [
  [/^node-cron#schedule$/, 'node-cron schedule()'],
  [/^cron#(?:CronJob(?:\.from)?|job)$/, 'cron CronJob'],
  [/^croner#(?:Cron)?$/, 'croner Cron'],
  [/^node-schedule#scheduleJob$/, 'node-schedule scheduleJob()'],
  [/^toad-scheduler#(?:SimpleIntervalJob|CronJob|LongIntervalJob)$/, 'toad-scheduler job'],
];

const REMEDIATION =
  'Run the job once per schedule, not once per replica: take a lock around it (`await redlock.using([`locks:${jobName}`], 60_000, async () => { ... })`, or `pg_try_advisory_lock`), move it to a queue\'s repeatable job (BullMQ `queue.upsertJobScheduler(name, { pattern })`, Agenda `every()`), or run the scheduler in a single dedicated process (a CRON_ENABLED switch set on one instance, a Kubernetes CronJob).';

/** Is the job inside `if (<env switch or cluster primary>)`, or does its callback take a lock? */
function guarded(n: Node, callback: Node | undefined): boolean {
  if (callback && GUARD.test(callback.getText())) return true;
  for (let cur: Node | undefined = n.parent; cur; cur = cur.parent) {
    const cond = ts.isIfStatement(cur) ? cur.expression : ts.isConditionalExpression(cur) ? cur.condition : undefined;
    if (cond && /process\.env|config|isPrimary|isMaster|leader|NODE_APP_INSTANCE|cluster|worker/i.test(cond.getText())) return true;
    if (ts.isBinaryExpression(cur) && cur.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken && /process\.env|isPrimary|isMaster|leader/i.test(cur.left.getText())) return true;
    if (ts.isBlock(cur) && ts.isFunctionLike(cur.parent)) {
      // an early `if (!process.env.CRON_ENABLED) return;` in the function that starts the job
      for (const st of cur.statements) {
        if (st.pos >= n.pos) break;
        if (ts.isIfStatement(st) && /process\.env|isPrimary|isMaster|leader|NODE_APP_INSTANCE/i.test(st.expression.getText()) && /\breturn\b/.test(st.thenStatement.getText())) return true;
      }
    }
  }
  return false;
}

export default defineRule<Node>({
  meta: {
    id: 'node/cron-on-every-replica',
    ecosystem: 'node',
    category: 'scheduler',
    severity: 'warning',
    summary: 'Scheduled jobs that run in every replica (node-cron, cron, croner, node-schedule, toad-scheduler, @nestjs/schedule, long-lived setInterval jobs) with no lock or leader',
    why: 'An in-process scheduler starts in every replica: with N replicas each job runs N times (N reminder e-mails, N invoices, N concurrent migrations of the same rows).',
    remediation: REMEDIATION,
    examples: { bad: "cron.schedule('0 * * * *', sendReminders);", good: "queue.upsertJobScheduler('reminders', { pattern: '0 * * * *' });" },
    fixable: false,
  },
  files: { languages: LANGUAGES, prefilter: /node-cron|['"]cron['"]|CronJob|croner|scheduleJob|node-schedule|toad-scheduler|@nestjs\/schedule|@Cron|@Interval|@Timeout|setInterval/, include: serverFile },
  checkFile(ctx) {
    const a = analyse(ctx);
    for (const { call, q } of a.calls) {
      const job = q && JOBS.find(([re, name]) => name && re.test(q));
      if (job) {
        const callback = call.arguments?.find((x) => ts.isFunctionLike(unwrap(x)) || ts.isIdentifier(unwrap(x)));
        const body = callback && ts.isIdentifier(unwrap(callback)) ? functionBody(unwrap(callback) as T.Identifier) : callback;
        if (guarded(call, body)) continue;
        a.report({ node: call, message: `${job[1]} starts in every replica: with N replicas the job runs N times.`, remediation: REMEDIATION });
        continue;
      }
      if (ts.isCallExpression(call) && ts.isIdentifier(call.expression) && call.expression.text === 'setInterval' && !q) {
        const cb = call.arguments[0];
        if (!cb || insideHandler(call)) continue;
        const body = ts.isIdentifier(unwrap(cb)) ? functionBody(unwrap(cb) as T.Identifier) : cb;
        // work on the process's own Maps and Sets (evicting a local cache) is per-process by design
        const local = [...ctx.file.text.matchAll(/(?:const|let|var)\s+(\w+)\s*=\s*new\s+(?:Map|Set|WeakMap)\b/g)].map((m) => m[1]);
        const work = local.reduce((t, name) => t.replace(new RegExp(`\\b${name}\\.\\w+`, 'g'), ''), body?.getText() ?? '');
        if (!body || !SHARED_WORK.test(work) || guarded(call, body)) continue;
        // a health check or watchdog of this process (it exits or restarts itself) is per-process by design
        if (WATCHDOG.test(body.getText())) continue;
        // a timer that is cleared (per connection, on shutdown) is not a job
        const holder = ts.isVariableDeclaration(call.parent) ? call.parent.name.getText() : ts.isBinaryExpression(call.parent) ? call.parent.left.getText() : undefined;
        if (holder && new RegExp(`clearInterval\\(\\s*${holder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\)`).test(ctx.file.text) && enclosingFunction(call)) continue;
        const every = evaluate(a.nf, call.arguments[1]);
        a.report({ node: call, message: `setInterval job${every.t === 'scalar' && typeof every.v === 'number' ? ` (every ${every.v} ms)` : ''} runs in every replica: with N replicas the work is done N times.`, remediation: REMEDIATION });
      }
    }
    for (const n of descendants(a.sf)) {
      if (!ts.isMethodDeclaration(n)) continue;
      for (const d of decoratorsOf(n)) {
        const q = decoratorQname(d);
        if (moduleOf(q) !== '@nestjs/schedule' || !/#(?:Cron|Interval|Timeout)$/.test(q ?? '')) continue;
        if (guarded(d, n.body)) continue;
        const kind = q!.slice(q!.indexOf('#') + 1);
        a.report({ node: d, message: `@${kind}() ${n.name.getText()} runs in every replica: with N replicas the job runs N times.`, remediation: REMEDIATION });
      }
    }
  },
});

function functionBody(id: T.Identifier): Node | undefined {
  const sf = id.getSourceFile();
  for (const n of descendants(sf)) {
    if (ts.isFunctionDeclaration(n) && n.name?.text === id.text) return n;
    if (ts.isVariableDeclaration(n) && n.name.getText() === id.text && n.initializer) return n.initializer;
    if (ts.isMethodDeclaration(n) && n.name.getText() === id.text) return n;
  }
  return undefined;
}
