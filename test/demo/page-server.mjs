// A tiny stand-in for busybox httpd in the loopback demo (no root, maybe no busybox):
//   node page-server.mjs HOST PORT DOCROOT   serves DOCROOT/index.html, in the foreground,
// as resource.d/httpd's HTTPD_CMD requires (the pid it records is the pid it stops).
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const [host, port, root] = process.argv.slice(2);
const server = createServer((_req, res) => {
  try {
    res.writeHead(200, { 'content-type': 'text/plain' }).end(readFileSync(join(root, 'index.html')));
  } catch {
    res.writeHead(500).end('no page\n');
  }
});
server.listen(Number(port), host);
// Exit at once: a resource stop that waits for idle connections would only lengthen the switchover.
process.on('SIGTERM', () => process.exit(0));
