import type { ts as T } from 'ts-morph';
import { defineRule } from '../../src/engine/rule.js';
import { importsOneOf } from './support/module-screen.js';
import { analyse, choose, enclosingFunction, evaluate, insideHandler, LANGUAGES, options, qname, serverFile, ts, unwrap, type Analysis, type Call, type Expression, type Node } from './support/common.js';

/** Paths that are temporary, not where uploads are kept. */
const UPLOAD_MODULES = importsOneOf(['multer', 'formidable', 'fs', 'node:fs', 'fs/promises', 'node:fs/promises']);
const TEMP = /os\.tmpdir\(\)|tmpdir\(\)|^['"`]?\/tmp\b|\bTMPDIR\b|\btmp\b|\btemp\b/i;
const REQUEST_DATA = /\breq(?:uest)?\.(?:body|file|files|raw|rawBody)\b|\bctx\.request\.(?:body|files?)\b|\brequest\.(?:payload|file|files)\b/;

const REMEDIATION =
  "Keep uploads in shared object storage: `npm i multer-s3 @aws-sdk/client-s3`, then `multer({ storage: multerS3({ s3: new S3Client({}), bucket: process.env.S3_BUCKET, key: (req, file, cb) => cb(null, `uploads/${Date.now()}-${file.originalname}`) }) })` (or `multer.memoryStorage()` and an upload to S3/GCS in the handler).";

/** Does the function around the write remove or move the file in the same request? */
function removedLater(n: Node): boolean {
  const fn = enclosingFunction(n);
  return !!fn && /\b(?:unlink|unlinkSync|rm|rmSync|rename|renameSync)\s*\(|\.(?:upload|putObject|send)\s*\(/.test(fn.getText());
}

/**
 * multer created inside a route (`router.post('/u', (req, res, next) => multer({ dest })..., async (req, res) =>
 * { await assets.upload(req.files[0]) })`): a later handler of the same route that moves or removes the file
 * or hands it to storage makes it a temp file (wiki.js stores uploads in its database).
 */
function routeMovesUpload(n: Node): boolean {
  for (let cur: Node | undefined = n.parent; cur; cur = cur.parent) {
    if (ts.isCallExpression(cur) && ts.isPropertyAccessExpression(cur.expression) && /^(?:post|put|patch|all)$/.test(cur.expression.name.text)) {
      return cur.arguments.some((h) => ts.isFunctionLike(h) && h.pos > n.end && /\b(?:unlink|unlinkSync|rm|rmSync|rename|renameSync|move|remove)\s*\(|\.(?:upload|putObject|send)\s*\(/.test(h.getText()));
    }
  }
  return false;
}

function pathText(a: Analysis, e: Expression | undefined): string {
  if (!e) return '';
  const v = evaluate(a.nf, e);
  if (v.t === 'scalar') return String(v.v ?? '');
  // a local holding a template (`const filePath = \`uploads/${id}.png\``): show the template, not the name
  const init = ts.isIdentifier(e) ? declNode(e) : undefined;
  return init ? init.getText() : e.getText();
}

export default defineRule<Node>({
  meta: {
    id: 'node/upload-to-local-disk',
    ecosystem: 'node',
    category: 'uploads',
    severity: 'error',
    summary: 'Uploaded files written to the local disk (multer dest/diskStorage, formidable uploadDir, express-fileupload mv, busboy/fs writes of request data)',
    why: 'A file written to one replica\'s disk is missing on every other replica (404s for half the requests) and is lost when the container is replaced.',
    remediation: REMEDIATION,
    examples: { bad: "const upload = multer({ dest: 'uploads/' });", good: 'const upload = multer({ storage: multerS3({ s3, bucket: process.env.S3_BUCKET }) });' },
    fixable: false,
  },
  files: {
    languages: LANGUAGES,
    prefilter: /multer|formidable|busboy|express-fileupload|\.mv\s*\(|writeFile|createWriteStream/,
    include: serverFile,
    // A report needs a call that resolves to multer, formidable or fs (support/module-screen.ts) or an `.mv(` call:
    // files that only pass formidable options to another package are not parsed.
    mayReport: (text) => UPLOAD_MODULES.test(text) || /\bmv\b/.test(text),
  },
  checkFile(ctx) {
    const a = analyse(ctx);
    const report = (node: Call, message: string) => a.report({ node, message: `${message}: the file exists only on this replica.`, remediation: REMEDIATION });
    for (const { call, q } of a.calls) {
      if (q === 'multer#' && ts.isCallExpression(call)) {
        const opts = options(a.nf, call);
        if (!opts) continue;
        const dest = opts.props.get('dest');
        const storage = opts.props.get('storage');
        if (dest) {
          const p = pathText(a, dest);
          if (TEMP.test(p) && a.calls.some(({ call: c }) => insideHandler(c) && removedLater(c))) continue;
          if (routeMovesUpload(call)) continue;
          report(call, `multer writes uploads to the local folder ${p || dest.getText()}`);
        } else if (storage) {
          const c = choose(a.nf, storage);
          const n = c.node && unwrap(c.node);
          if (n && ts.isCallExpression(n) && qname(n.expression) === 'multer#diskStorage') {
            const dopts = options(a.nf, n);
            const dst = dopts?.props.get('destination');
            const p = dst && !ts.isFunctionLike(dst) ? pathText(a, dst) : dst ? callbackPath(a, dst) : '';
            if (TEMP.test(p) && a.calls.some(({ call: x }) => insideHandler(x) && removedLater(x))) continue;
            report(call, `multer.diskStorage keeps uploads on the local disk${p ? ` (${p})` : ''}`);
          }
        }
      } else if ((q === 'formidable#' || q === 'formidable#IncomingForm' || q === 'formidable#formidable') && call.arguments?.length) {
        const opts = options(a.nf, call);
        const dir = opts?.props.get('uploadDir');
        if (!dir) continue;
        const p = pathText(a, dir);
        if (TEMP.test(p) || removedLater(call)) continue;
        report(call, `formidable keeps uploads in ${p}`);
      } else if (ts.isCallExpression(call) && ts.isPropertyAccessExpression(call.expression) && call.expression.name.text === 'mv' && call.arguments.length) {
        // express-fileupload: req.files.x.mv(path)
        const target = call.expression.expression;
        const holder = target.getText();
        const fromFiles = /\bfiles\b/.test(holder) || (ts.isIdentifier(target) && /\.files\b/.test(declInit(target)));
        if (!fromFiles || !a.nf.dependsOn(ctx.file.path, 'express-fileupload')) continue;
        const p = pathText(a, call.arguments[0]);
        if (TEMP.test(p) || removedLater(call)) continue;
        report(call, `express-fileupload moves the upload to the local path ${p.slice(0, 80)}`);
      } else if ((q === 'fs#createWriteStream' || q === 'node:fs#createWriteStream' || q === 'fs#writeFile' || q === 'fs#writeFileSync' || q === 'fs/promises#writeFile' || q === 'node:fs/promises#writeFile' || q === 'fs#promises.writeFile') && ts.isCallExpression(call)) {
        const inBusboyFile = (() => {
          for (let fn = enclosingFunction(call); fn; fn = enclosingFunction(fn)) {
            const p = fn.parent;
            if (ts.isCallExpression(p) && ts.isPropertyAccessExpression(p.expression) && p.expression.name.text === 'on' && ts.isStringLiteral(p.arguments[0]) && p.arguments[0].text === 'file') return true;
          }
          return false;
        })();
        const data = call.arguments[1]?.getText() ?? '';
        if (/^JSON\.stringify\s*\(/.test(data) && /\.json\b/.test(call.arguments[0]?.getText() ?? '')) continue; // a JSON store: node/database-local-file
        // @fastify/multipart and friends: the handler reads the upload (`request.file()`) and streams it to disk
        const fn = enclosingFunction(call);
        const multipart = !!fn && q.endsWith('createWriteStream') && insideHandler(call) && /\b(?:request|req)\.(?:file|files|parts|saveRequestFiles)\s*\(/.test(fn.getText());
        const uploaded = !!call.arguments[1] && fromRequest(call.arguments[1]);
        if (!inBusboyFile && !multipart && !(uploaded && insideHandler(call))) continue;
        const p = pathText(a, call.arguments[0]);
        if (TEMP.test(p) || removedLater(call)) continue;
        report(call, `${inBusboyFile || multipart ? 'An uploaded file stream' : 'Request data'} is written to the local path ${p.slice(0, 80)}`);
      }
    }
  },
});

/** The folder a `destination(req, file, cb)` function hands to `cb(err, folder)`, as text. */
function callbackPath(a: Analysis, fn: T.Expression): string {
  const f = unwrap(fn);
  if (!ts.isFunctionLike(f)) return '';
  const cb = f.parameters[2]?.name.getText();
  let out = '';
  const visit = (n: Node) => {
    if (cb && ts.isCallExpression(n) && n.expression.getText() === cb && n.arguments[1]) out = pathText(a, n.arguments[1]) || n.arguments[1].getText();
    ts.forEachChild(n, visit);
  };
  visit(f);
  return out;
}

/**
 * Request data, directly or through locals (`const file = req.file; const buffer = file?.buffer;
 * fs.writeFile(path, buffer)`: juice-shop's profile image upload).
 */
function fromRequest(e: T.Expression, depth = 0): boolean {
  if (REQUEST_DATA.test(e.getText())) return true;
  if (depth > 3) return false;
  let cur = unwrap(e);
  while ((ts.isPropertyAccessExpression(cur) || ts.isElementAccessExpression(cur)) && !ts.isIdentifier(cur)) cur = unwrap(cur.expression);
  if (!ts.isIdentifier(cur)) return false;
  const init = declNode(cur);
  return !!init && fromRequest(init, depth + 1);
}

/** The initialiser of the nearest declaration of a local (same function, else the file). */
function declNode(id: T.Identifier): T.Expression | undefined {
  const scope = enclosingFunction(id) ?? id.getSourceFile();
  let hit: T.Expression | undefined;
  const visit = (n: Node) => {
    if (hit) return;
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === id.text && n.initializer && n.initializer.end <= id.pos) hit = n.initializer;
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return hit;
}

function declInit(id: T.Identifier): string {
  const fn = enclosingFunction(id);
  const scope = fn ?? id.getSourceFile();
  let text = '';
  const visit = (n: Node) => {
    if (ts.isVariableDeclaration(n) && n.initializer && n.name.getText().includes(id.text)) text = n.initializer.getText();
    ts.forEachChild(n, visit);
  };
  visit(scope);
  return text;
}
