// A local HTTP server for the browser tests, on 127.0.0.1 only: the fixture pages at
// LinkedIn's paths (/messaging/, /mynetwork/invitation-manager/) with a strict
// Content-Security-Policy like a real site's, and, under /repo/, the repository's
// js/, wasm/pkg/, models/ and data/ files for the parity page. And a logging HTTP proxy
// (the Firefox test sends all of the browser's traffic through it).
import { createServer, request } from 'node:http';
import { TLSSocket } from 'node:tls';
import { readFileSync, existsSync } from 'node:fs';
import { extname, normalize } from 'node:path';
import { root } from './common.mjs';

const fixtures = `${root}tests/fixtures/extension/`;
const PAGES = {
  '/messaging/': 'messaging.html',
  '/messaging/thread/2-fixture/': 'messaging.html',
  '/mynetwork/invitation-manager/': 'invitations.html',
  '/fixture.css': 'fixture.css',
  '/parity/': 'parity.html',
};
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript',
  '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.csv': 'text/csv',
};
const REPO_DIRS = ['js/', 'wasm/pkg/', 'models/', 'data/'];

/** The fixture pages (and /repo/ files) for one request. */
function fixturePage(req, res) {
  const path = new URL(req.url, 'http://x').pathname;
  let file = null;
  if (PAGES[path]) file = fixtures + PAGES[path];
  else if (path.startsWith('/repo/')) {
    const rel = normalize(path.slice('/repo/'.length));
    if (REPO_DIRS.some((d) => rel.startsWith(d))) file = root + rel;
  }
  if (!file || !existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  const headers = { 'content-type': TYPES[extname(file)] || 'application/octet-stream' };
  if (path !== '/parity/') {
    headers['content-security-policy'] = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'";
  }
  res.writeHead(200, headers).end(readFileSync(file));
}

export function serve() {
  const server = createServer(fixturePage);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

/** An HTTP proxy on 127.0.0.1 that logs every request it is asked for ("GET
 * http://host/path", "CONNECT host:443", in `log`), forwards those for `origin` and
 * refuses everything else. A browser set to use it for every protocol and every host
 * (localhost included) cannot reach the network without the log showing it, whichever of
 * its parts (page, content script, extension background) asked.
 * With `tls: { host, key, cert }` it also answers CONNECT to that host (e.g.
 * www.linkedin.com:443) itself: TLS with that key and certificate, then the fixture pages
 * (each request logged as "GET https://host/path"), so the shipped extension, which
 * matches https://www.linkedin.com/* only, runs on them in a browser that accepts the
 * certificate. */
export function loggingProxy(origin, log, tls = null) {
  const inner = createServer((req, res) => {
    log.push(`${req.method} https://${tls.host}${req.url}`);
    fixturePage(req, res);
  });
  const proxy = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    let url;
    try {
      url = new URL(req.url);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (url.origin !== origin) {
      res.writeHead(502).end();
      return;
    }
    const upstream = request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode, r.headers);
        r.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  proxy.on('connect', (req, socket) => {
    log.push(`CONNECT ${req.url}`);
    if (tls && req.url === `${tls.host}:443`) {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n', () => {
        inner.emit('connection', new TLSSocket(socket, { isServer: true, key: tls.key, cert: tls.cert }));
      });
      return;
    }
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  proxy.on('upgrade', (req, socket) => {
    log.push(`UPGRADE ${req.url}`);
    socket.destroy();
  });
  return new Promise((resolve) => {
    proxy.listen(0, '127.0.0.1', () => resolve({ proxy, port: proxy.address().port }));
  });
}
