import type { ts as T } from 'ts-morph';
import { defineRule } from '../../src/engine/rule.js';
import { analyse, choose, descendants, evaluate, LANGUAGES, moduleOf, options, propertyName, serverFile, stringValue, ts, unwrap, type Analysis, type Node } from './support/common.js';
import { importsOneOf } from './support/module-screen.js';

const LOG_MODULES = importsOneOf(['winston', 'winston-daily-rotate-file', 'pino', 'fs', 'node:fs', 'rotating-file-stream', 'file-stream-rotator']);
const LOG_NAMES = /['"`](?:pino|nestjs-pino|pino-http|log4js|bunyan)['"`]/;

const STDOUT = /^(?:1|2|\/dev\/stdout|\/dev\/stderr|process\.stdout(?:\.fd)?|process\.stderr(?:\.fd)?)$/;
const LOG_PATH = /\.log(?:\.\w+)?$|(?:^|\/)logs?\//i;
/** A variable named as a log (`accessLog`, `logStream`, `error_log`), not `catalog` or `login`. */
const LOG_NAME = /^logs?(?:Stream|File|_stream|_file)?$|(?:_log|Log)s?(?:Stream|File|_stream|_file)?$/;

function remediationFor(lib: string): string {
  const tail = ' and let the platform collect stdout (docker logs, Kubernetes, CloudWatch); a file on one replica is lost with the container and cannot be searched across replicas.';
  switch (lib) {
    case 'winston':
      return `Log to stdout: \`new winston.transports.Console({ format: winston.format.json() })\` instead of the File/DailyRotateFile transport,${tail}`;
    case 'pino':
      return `Log to stdout: \`pino()\` (or \`pino.destination(1)\`, a transport with \`destination: 1\`),${tail}`;
    case 'log4js':
      return `Use a \`{ type: 'stdout' }\` appender (or a network appender) instead of the file appender,${tail}`;
    case 'bunyan':
      return `Use \`{ stream: process.stdout }\` instead of a \`path\` stream,${tail}`;
    default:
      return `Write access logs to process.stdout (\`morgan('combined')\` uses it by default) instead of a file stream,${tail}`;
  }
}

function constText(a: Analysis, e: T.Expression | undefined): string | undefined {
  if (!e) return undefined;
  const v = evaluate(a.nf, e);
  if (v.t === 'scalar') return String(v.v);
  return undefined;
}

export default defineRule<Node>({
  meta: {
    id: 'node/log-to-local-file',
    ecosystem: 'node',
    category: 'logs',
    severity: 'warning',
    summary: 'Logs written to a file on the server (winston File/DailyRotateFile, pino file destinations, morgan to a file stream, log4js file appenders, bunyan file streams)',
    why: 'Each replica writes its own file: logs are split across machines, lost when a container is replaced, and fill the disk. Twelve-factor apps write logs to stdout and let the platform collect them.',
    remediation: remediationFor('winston'),
    examples: { bad: "new winston.transports.File({ filename: 'logs/app.log' })", good: 'new winston.transports.Console()' },
    fixable: false,
  },
  files: {
    languages: LANGUAGES,
    prefilter: /winston|pino|morgan|log4js|bunyan|createWriteStream|file-stream-rotator|rotating-file-stream/,
    include: serverFile,
    // A report needs a call that resolves to one of the logging or fs modules (support/module-screen.ts), or, for the
    // option objects of pino, log4js and bunyan, the module's name as a string in the file (as checkFile's `uses` asks):
    // a createWriteStream from fs-extra or an S3 client is not parsed for this rule.
    mayReport: (text) => LOG_MODULES.test(text) || LOG_NAMES.test(text),
  },
  checkFile(ctx) {
    const a = analyse(ctx);
    const reported = new Set<Node>();
    const report = (node: Node, message: string, lib: string) => {
      if (reported.has(node)) return;
      reported.add(node);
      a.report({ node, message: `${message}: the log stays on this replica's disk.`, remediation: remediationFor(lib) });
    };
    const morganStreams = new Set<Node>();
    for (const { call, q } of a.calls) {
      if (q === 'morgan#' && call.arguments?.[1]) {
        const s = options(a.nf, call, 1)?.props.get('stream');
        const c = s && choose(a.nf, s).node;
        if (c) morganStreams.add(unwrap(c));
      }
    }
    for (const { call, q } of a.calls) {
      if (!q) continue;
      const mod = moduleOf(q);
      if (ts.isNewExpression(call) && (/^winston#transports\.(?:File|DailyRotateFile)$/.test(q) || mod === 'winston-daily-rotate-file')) {
        const file = constText(a, options(a.nf, call)?.props.get('filename'));
        report(call, `winston ${q.endsWith('DailyRotateFile') || mod === 'winston-daily-rotate-file' ? 'DailyRotateFile' : 'File'} transport writes to ${file ?? 'a local file'}`, 'winston');
      } else if (q === 'pino#destination' && ts.isCallExpression(call)) {
        const arg = call.arguments[0];
        if (!arg) continue;
        const dest = ts.isObjectLiteralExpression(unwrap(arg)) ? options(a.nf, call)?.props.get('dest') : arg;
        const text = dest ? (constText(a, dest) ?? dest.getText()) : '1';
        if (STDOUT.test(text)) continue;
        report(call, `pino.destination writes to ${text}`, 'pino');
      } else if ((q === 'fs#createWriteStream' || q === 'node:fs#createWriteStream' || q === 'rotating-file-stream#createStream' || q === 'file-stream-rotator#getStream') && ts.isCallExpression(call)) {
        // file-stream-rotator takes its path as `{ filename }`
        const first = q.startsWith('file-stream-rotator') ? options(a.nf, call)?.props.get('filename') : call.arguments[0];
        const path = constText(a, first) ?? first?.getText() ?? '';
        const holder = ts.isVariableDeclaration(call.parent) ? call.parent.name.getText() : '';
        const toMorgan = morganStreams.has(call) || [...morganStreams].some((m) => m === call);
        if (toMorgan || LOG_PATH.test(path) || LOG_NAME.test(holder) || /^(?:rotating-file-stream|file-stream-rotator)#/.test(q)) report(call, `${toMorgan ? 'morgan writes access logs to' : 'A log stream writes to'} the file ${path.slice(0, 80)}`, toMorgan ? 'morgan' : 'fs');
      }
    }
    // Option objects: pino transports, log4js appenders, bunyan streams.
    const uses = (m: string) => [...a.calls].some(({ q }) => moduleOf(q) === m) || new RegExp(`['"]${m}['"]`).test(ctx.file.text);
    const pino = uses('pino') || uses('nestjs-pino') || uses('pino-http');
    const log4js = uses('log4js');
    const bunyan = uses('bunyan');
    if (!pino && !log4js && !bunyan) return;
    for (const n of descendants(a.sf)) {
      if (!ts.isObjectLiteralExpression(n)) continue;
      const props = new Map<string, T.Expression>();
      for (const p of n.properties) if (ts.isPropertyAssignment(p) && propertyName(p.name)) props.set(propertyName(p.name)!, p.initializer);
      if (pino && props.has('target')) {
        const target = stringValue(props.get('target'));
        if (target === 'pino-roll') report(n, 'pino-roll transport writes rotating files', 'pino');
        if (target === 'pino/file') {
          const o = props.get('options');
          const dest = o && ts.isObjectLiteralExpression(unwrap(o)) ? (unwrap(o) as T.ObjectLiteralExpression).properties.find((p) => ts.isPropertyAssignment(p) && propertyName(p.name) === 'destination') : undefined;
          const text = dest && ts.isPropertyAssignment(dest) ? (constText(a, dest.initializer) ?? dest.initializer.getText()) : '1';
          if (!STDOUT.test(text)) report(n, `pino/file transport writes to ${text}`, 'pino');
        }
      }
      if (log4js && props.has('type')) {
        const type = stringValue(props.get('type'));
        if (type && /^(?:file|dateFile|fileSync|multiFile)$/.test(type)) report(n, `log4js ${type} appender writes to ${constText(a, props.get('filename')) ?? constText(a, props.get('base')) ?? 'a local file'}`, 'log4js');
      }
      if (bunyan && (props.has('path') || stringValue(props.get('type')) === 'rotating-file') && ts.isArrayLiteralExpression(n.parent)) {
        const owner = n.parent.parent;
        if (ts.isPropertyAssignment(owner) && propertyName(owner.name) === 'streams') report(n, `bunyan stream writes to ${constText(a, props.get('path')) ?? 'a local file'}`, 'bunyan');
      }
    }
  },
});
