// The clients' reading of a connect error, and SIGTRAP as the dump event.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askDaemon, permissionDenied, whatBlocks } from '../../../src/cli/ctl-client.js';
import { FATAL_SIGNALS, installSignalHandlers, type SignalEvent } from '../../../src/control/signals.js';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

describe('control socket clients', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hb-cc-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('only EACCES and EPERM are "permission denied"; the words name the socket, its owner and mode', () => {
    const sock = join(dir, 'ctl.sock');
    writeFileSync(sock, '');
    chmodSync(sock, 0o660);
    for (const c of ['ENOENT', 'ECONNREFUSED', 'ETIMEDOUT']) expect(permissionDenied(sock, errno(c))).to.equal(null);
    expect(permissionDenied(sock, new Error('No timely response.'))).to.equal(null);
    const words = permissionDenied(sock, errno('EACCES'), 0);
    expect(words).to.match(new RegExp(`^permission denied on the control socket ${sock} \\(socket owner \\w+:\\w+, mode 0660; you are root \\(uid 0\\)\\)\\. `));
    expect(permissionDenied(sock, errno('EPERM'))).to.match(/^permission denied /);
  });

  it('when the socket cannot be stat()ed, shows the nearest directory that can', () => {
    const deep = join(dir, 'a', 'b');
    mkdirSync(join(dir, 'a'));
    chmodSync(join(dir, 'a'), 0o750);
    expect(whatBlocks(join(deep, 'ctl.sock'))).to.match(new RegExp(`^cannot stat the socket: ENOENT; directory ${join(dir, 'a')} owner \\w+:\\w+, mode 0750$`));
  });

  it('askDaemon: nothing listening is "not running"', async () => {
    const a = await askDaemon(join(dir, 'none.sock'), { cmd: 'status', args: [] });
    expect(a).to.deep.equal({ kind: 'not-running', message: `no answer on ${join(dir, 'none.sock')}` });
  });

  it('askDaemon asks again when the socket was full: a busy reply, or closed before the request went out', async () => {
    const path = join(dir, 'ctl.sock');
    let n = 0;
    const server = createServer((sock) => {
      n++;
      if (n === 1) sock.resume().end(`${JSON.stringify({ out: '', err: 'busy\n', code: 1, busy: true })}\n`);
      else if (n === 2) sock.destroy();
      else sock.once('data', () => sock.end(`${JSON.stringify({ out: 'ok\n', err: '', code: 0 })}\n`));
    });
    await new Promise<void>((r) => server.listen(path, r));
    try {
      const a = await askDaemon(path, { cmd: 'status', args: [] });
      expect(a).to.deep.equal({ kind: 'reply', reply: { out: 'ok\n', err: '', code: 0 } });
      expect(n).to.equal(3);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('SIGTRAP is the dump event; the fatal list leaves out what JS must not or cannot catch', () => {
    const fake = new EventEmitter();
    const got: SignalEvent[] = [];
    const uninstall = installSignalHandlers((e) => got.push(e), fake as unknown as NodeJS.Process);
    fake.emit('SIGTRAP');
    expect(got).to.deep.equal([{ kind: 'dump' }]);
    uninstall();
    expect(fake.listenerCount('SIGTRAP')).to.equal(0);
    for (const s of ['SIGKILL', 'SIGSTOP', 'SIGSEGV', 'SIGBUS', 'SIGFPE', 'SIGILL', 'SIGABRT', 'SIGPIPE', 'SIGPROF', 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGTRAP']) {
      expect(FATAL_SIGNALS).not.to.include(s);
    }
    expect(FATAL_SIGNALS).to.include('SIGQUIT');
  });
});
