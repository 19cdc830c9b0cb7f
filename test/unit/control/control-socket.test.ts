// The control socket's limits: a cap on concurrent clients (at the cap the longest idle one makes
// room, or a new one is refused when none is idle; one WARN), idle connections closed, and a real
// command still answered through a flood.
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

  it('holds the cap against 200 idle clients, makes room for a real one, warns once, and closes the idle ones', async () => {
    const path = join(dir, 'ctl.sock');
    const log = new MemoryLog();
    const cap = 8;
    const idleMs = 600;
    const graceMs = 50;
    server = await listenControl(path, (req) => ({ out: `pong ${req.args.join(' ')}\n`, err: '', code: 0 }), { maxClients: cap, idleMs, graceMs, log });

    const conns = await Promise.all(Array.from({ length: 200 }, () => open(path)));
    // All arrive at once (none has had its grace yet): beyond the cap they are told why and closed at once.
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
    for (const c of refused) expect(JSON.parse(c.data)).to.deep.include({ code: 1, busy: true, err: 'heartbeat: too many control clients connected; try again\n' });

    // Full of idle clients past their grace, a real client is still answered: the oldest idle one makes room.
    await new Promise((r) => setTimeout(r, graceMs + 20));
    const r = await controlRequest(path, { cmd: 'ping', args: ['full'] });
    expect(r).to.deep.equal({ out: 'pong full\n', err: '', code: 0 });
    const pushed = await Promise.race([Promise.any(held.map((c) => c.closed.then(() => c))), new Promise<null>((res) => setTimeout(() => res(null), 300))]);
    expect(pushed, 'an idle client was closed to make room').to.not.equal(null);
    expect(JSON.parse((pushed as Conn).data)).to.deep.include({ busy: true });
    const stillHeld = held.filter((c) => c !== pushed);

    // One WARN for the whole flood, not one per connection.
    const warns = log.text().filter((l) => l.startsWith('WARN:'));
    expect(warns).to.have.length(1);
    expect(warns[0]).to.match(new RegExp(`^WARN: Control socket ${path}: 8 clients connected already \\(the limit\\); closing idle ones to make room, refusing the rest \\(1 so far\\)\\.$`));

    // The idle ones are closed by the server, having been sent nothing, no sooner than idleMs.
    await Promise.all(stillHeld.map((c) => c.closed));
    for (const c of stillHeld) {
      expect(c.data).to.equal('');
      expect((c.closedAt as number) - c.connectedAt).to.be.at.least(idleMs - 50);
    }
  });

  it('refuses a new client while every slot runs a command, and serves it once one is done', async () => {
    const path = join(dir, 'ctl.sock');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server = await listenControl(path, async (req) => {
      if (req.cmd === 'slow') await gate;
      return { out: `${req.cmd}\n`, err: '', code: 0 };
    }, { maxClients: 2, graceMs: 0 });
    const slow = [controlRequest(path, { cmd: 'slow', args: [] }), controlRequest(path, { cmd: 'slow', args: [] })];
    await new Promise((r) => setTimeout(r, 50));
    const busy = await controlRequest(path, { cmd: 'quick', args: [] }).catch((e: Error) => ({ err: e.message, code: -1, busy: true }));
    expect(busy).to.deep.include({ busy: true });
    release();
    expect((await Promise.all(slow)).map((x) => x.out)).to.deep.equal(['slow\n', 'slow\n']);
    expect(await controlRequest(path, { cmd: 'quick', args: [] })).to.deep.include({ out: 'quick\n', code: 0 });
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
