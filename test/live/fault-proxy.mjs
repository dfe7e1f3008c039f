// A hostile node for statelint's live tests: a real HTTP server on 127.0.0.1 in front of a real fixture
// node (UPSTREAM), passing everything through except the fault named in FAULT (one per process):
//   status500[:PATH]        answer 500 (to PATH only, or to everything)
//   redirect-loop:PATH      GET PATH redirects to itself, forever
//   redirect-to:PATH:URL    GET PATH redirects to URL (another origin)
//   huge-body:PATH          the upstream's status and cookies, then a 100 MB body
//   gzip-bomb:PATH          the upstream's status and cookies, then 1 MB of gzip that inflates to 64 MB
//   csrf-bomb:PATH          1 MB of half-open `name="_token"` / `<meta name="csrf-token"` tags (regex backtracking bait)
//   garbage-cookie          extra Set-Cookie headers that are not cookies, plus a 3 KB one
//   slow:PATH:MS            answer PATH only after MS milliseconds
//   drop-reused             destroy a kept-alive connection when a second request arrives on it, unanswered
//                           (the keep-alive race: the server closed an idle socket as the client reused it)
// GET /__stats (never asked for by statelint) reports the bytes written to clients and requests seen.
import http from 'node:http';
import zlib from 'node:zlib';

const env = process.env;
const upstream = new URL(env.UPSTREAM);
const [kind, arg1, ...rest] = (env.FAULT ?? '').split(':');
const arg2 = rest.join(':');
const stats = { requests: 0, bytesWritten: 0, byPath: {} };
const bomb = kind === 'gzip-bomb' ? zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024)) : null;

function forward(req, res, then) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const up = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } }, (ur) => then(ur));
    up.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    up.end(Buffer.concat(chunks));
  });
}

function pass(res, ur, extraCookies = []) {
  const headers = { ...ur.headers };
  if (extraCookies.length) headers['set-cookie'] = [...(headers['set-cookie'] ?? []), ...extraCookies];
  res.writeHead(ur.statusCode ?? 502, headers);
  ur.pipe(res);
}

const server = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (kind === 'drop-reused' && path !== '/__stats') {
    req.socket.served = (req.socket.served ?? 0) + 1;
    if (req.socket.served > 1) return req.socket.destroy();
  }
  if (path === '/__stats') {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify({ ...stats, bytesWritten: stats.bytesWritten }));
  }
  stats.requests++;
  stats.byPath[path] = (stats.byPath[path] ?? 0) + 1;
  const on = (p) => p === undefined || p === '' || p === path;
  if (kind === 'status500' && on(arg1)) {
    req.resume();
    res.statusCode = 500;
    return res.end('Internal Server Error');
  }
  if (kind === 'redirect-loop' && on(arg1) && req.method === 'GET') {
    res.writeHead(302, { location: req.url });
    return res.end();
  }
  if (kind === 'redirect-to' && on(arg1) && req.method === 'GET') {
    res.writeHead(302, { location: arg2 });
    return res.end();
  }
  if (kind === 'slow' && on(arg1)) {
    return setTimeout(() => forward(req, res, (ur) => pass(res, ur)), Number(arg2));
  }
  if ((kind === 'huge-body' || kind === 'gzip-bomb') && on(arg1)) {
    return forward(req, res, (ur) => {
      ur.resume();
      const headers = { 'content-type': 'text/html', 'set-cookie': ur.headers['set-cookie'] ?? [] };
      if (bomb) {
        res.writeHead(ur.statusCode ?? 200, { ...headers, 'content-encoding': 'gzip', 'content-length': bomb.length });
        return res.end(bomb);
      }
      res.writeHead(ur.statusCode ?? 200, headers);
      // 100 MB in 64 KB chunks, written only as fast as the client reads (backpressure).
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let left = 1600;
      const write = () => {
        while (left > 0) {
          left--;
          if (!res.write(chunk)) return res.once('drain', write);
        }
        res.end();
      };
      res.on('close', () => (left = 0));
      write();
    });
  }
  if (kind === 'csrf-bomb' && on(arg1) && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html' });
    return res.end('<input name="_token" '.repeat(25000) + '<meta name="csrf-token" '.repeat(20000));
  }
  if (kind === 'garbage-cookie') {
    const junk = [';;;', '=novalue', 'bad name=1', 'no-equals-sign', `big=${'A'.repeat(3000)}`, 'x=1; Domain=evil.invalid', 'y=2; Expires=not-a-date; Max-Age=abc'];
    return forward(req, res, (ur) => pass(res, ur, junk));
  }
  forward(req, res, (ur) => pass(res, ur));
});
server.on('connection', (socket) => {
  let counted = 0;
  const tally = () => {
    stats.bytesWritten += socket.bytesWritten - counted;
    counted = socket.bytesWritten;
  };
  socket.on('close', tally);
  const timer = setInterval(tally, 50);
  socket.on('close', () => clearInterval(timer));
});
server.listen(Number(env.PORT), '127.0.0.1', () => process.stdout.write(`ready ${kind}\n`));
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
