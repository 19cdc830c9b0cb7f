// The control socket's limits: a cap on concurrent clients (extra ones closed at once, one WARN),
// idle connections closed, and a real command still answered.
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlRequest, listenControl } from '../../../src/control/control-socket.js';
import { MemoryLog } from '../../../src/log/types.js';

interface Conn {
  readonly sock: Socket;
  connectedAt: number;
  closedAt: number | null;
  data: string;
  readonly closed: Promise<void>;
}

function open(path: string): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    let onClose!: () => void;
    const c: Conn = { sock, connectedAt: 0, closedAt: null, data: '', closed: new Promise<void>((r) => (onClose = r)) };
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (c.data += d));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      c.closedAt = Date.now();
      onClose();
    });
    sock.once('connect', () => {
      c.connectedAt = Date.now();
      resolve(c);
    });
    sock.once('error', reject);
  });
}

describe('control socket limits', function () {
  this.timeout(20_000);
  let dir: string;
  let server: Server | null = null;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hb-ctl-'))));
  afterEach(async () => {
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    server = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the cap against 200 idle clients, closes the idle ones, warns once, and still answers', async () => {
    const path = join(dir, 'ctl.sock');
    const log = new MemoryLog();
    const cap = 8;
    const idleMs = 400;
    server = await listenControl(path, (req) => ({ out: `pong ${req.args.join(' ')}\n`, err: '', code: 0 }), { maxClients: cap, idleMs, log });

    const conns = await Promise.all(Array.from({ length: 200 }, () => open(path)));
    // The refused are told why and closed at once, while the accepted ones are still held open.
    const accepted = new Promise<Conn[]>((resolve) => {
      let closed = 0;
      for (const c of conns)
        void c.closed.then(() => {
          if (++closed === 200 - cap) resolve(conns.filter((x) => x.closedAt === null));
        });
    });
    const held = await accepted;
    expect(held).to.have.length(cap);
    const refused = conns.filter((c) => c.closedAt !== null);
    for (const c of refused) expect(JSON.parse(c.data)).to.deep.include({ code: 1, err: 'heartbeat: too many control clients connected; try again\n' });

    // While full, one more (a real client) is refused too: the cap holds.
    const busy = await controlRequest(path, { cmd: 'ping', args: ['busy'] });
    expect(busy.code).to.equal(1);
    expect(busy.err).to.match(/too many control clients/);

    // One WARN for the whole flood, not one per connection.
    const warns = log.text().filter((l) => l.startsWith('WARN:'));
    expect(warns).to.have.length(1);
    expect(warns[0]).to.match(new RegExp(`^WARN: Control socket ${path}: 8 clients connected already \\(the limit\\); refusing more \\(1 refused so far\\)\\.$`));

    // The idle ones are closed by the server, having been sent nothing, no sooner than idleMs.
    await Promise.all(held.map((c) => c.closed));
    for (const c of held) {
      expect(c.data).to.equal('');
      expect((c.closedAt as number) - c.connectedAt).to.be.at.least(idleMs - 50);
    }

    // And with room again, a real command answers.
    const r = await controlRequest(path, { cmd: 'ping', args: ['ok'] });
    expect(r).to.deep.equal({ out: 'pong ok\n', err: '', code: 0 });
  });

  it('closes a client that trickles bytes without ever finishing its request', async () => {
    const path = join(dir, 'ctl.sock');
    const idleMs = 300;
    server = await listenControl(path, () => ({ out: '', err: '', code: 0 }), { idleMs });
    const c = await open(path);
    const drip = setInterval(() => c.sock.write('{'), 50);
    try {
      await c.closed;
    } finally {
      clearInterval(drip);
    }
    expect((c.closedAt as number) - c.connectedAt).to.be.at.least(idleMs - 50);
    expect(c.data).to.equal('');
  });
});
