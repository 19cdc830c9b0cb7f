// A client that may not open the control socket says "permission denied" with the socket's path,
// owner and mode, and exits 4, instead of claiming heartbeat is not running. As root the clients
// run as user nobody (setpriv or runuser); as another user, a directory with mode 000 does it.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlRequest, listenControl } from '../../src/control/control-socket.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const env = { ...process.env, HEARTBEAT_DEFAULTS_FILE: '/nonexistent/default-heartbeat' };
const root = process.getuid?.() === 0;

/** The command prefix that runs as an unprivileged user, or null when there is none. */
function unprivileged(): string[] | null {
  if (!root) return [];
  const candidates = [
    ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--'],
    ['runuser', '-u', 'nobody', '--'],
  ];
  for (const c of candidates) {
    const probe = spawnSync(c[0] as string, [...c.slice(1), process.execPath, '-e', '0'], { cwd: repo });
    if (probe.status === 0) return c;
  }
  return null;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(prefix: string[], bin: string, args: string[]): Promise<Run> {
  const argv = [...prefix, process.execPath, '--import', 'tsx', `src/cli/${bin}.ts`, ...args];
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('control socket: permission denied @integration', function () {
  this.timeout(60_000);
  let dir: string;
  let prefix: string[] | null;
  const servers: Server[] = [];
  let holder: ReturnType<typeof spawn> | null = null;

  before(function () {
    prefix = unprivileged();
    if (prefix === null) {
      console.log('      (skipped: running as root and neither setpriv nor runuser can run node as nobody)');
      this.skip();
    }
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hb-perm-'));
    chmodSync(dir, 0o755);
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
    holder?.kill('SIGKILL');
    holder = null;
    if (existsSync(join(dir, 'closed'))) chmodSync(join(dir, 'closed'), 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(sub: string, mode: number): Promise<string> {
    const d = join(dir, sub);
    mkdirSync(d, { mode: 0o755 });
    const path = join(d, 'ctl.sock');
    servers.push(await listenControl(path, () => ({ out: 'served\n', err: '', code: 0 })));
    chmodSync(d, mode);
    return path;
  }

  it('cl_status, hb_standby, heartbeat dump and heartbeat status: "permission denied" with owner and mode, exit 4', async () => {
    const p = prefix as string[];
    // The directory is not ours to enter: the socket cannot even be stat()ed, so its directory is shown.
    const closed = await serve('closed', root ? 0o700 : 0o000);
    if (root) expect((await controlRequest(closed, { cmd: 'x', args: [] })).out, 'root itself gets an answer').to.equal('served\n');

    const cl = await run(p, 'cl_status', ['listnodes', '--ctl-socket', closed]);
    expect(cl.code, cl.stderr).to.equal(4);
    expect(cl.stderr).to.match(
      new RegExp(`^cl_status: permission denied on the control socket ${closed} \\(cannot stat the socket: EACCES; directory ${join(dir, 'closed')} owner \\w+:\\w+, mode 0[07]00; you are \\w+ \\(uid \\d+\\)\\)\\. Run as root or as a member of group haclient\\.\\n$`),
    );
    expect(cl.stderr).not.to.match(/not running|Cannot signon/);

    const dump = await run(p, 'heartbeat', ['--ctl-socket', closed, 'dump']);
    expect(dump.code, dump.stderr).to.equal(4);
    expect(dump.stderr).to.match(/^heartbeat: permission denied on the control socket /);

    // heartbeat status: running by its pidfile, but the cluster view is not ours to read.
    holder = spawn('sh', ['-c', 'sleep 30; :', 'heartbeat-holder'], { stdio: 'ignore' });
    const pidfile = join(dir, 'heartbeat.pid');
    writeFileSync(pidfile, `${holder.pid}\n`, { mode: 0o644 });
    const st = await run(p, 'heartbeat', ['--pidfile', pidfile, '--ctl-socket', closed, 'status']);
    expect(st.code, st.stderr).to.equal(4);
    expect(st.stdout).to.match(/^heartbeat OK \[pid \d+ et al\] is running on /);
    expect(st.stderr).to.match(new RegExp(`^heartbeat: permission denied on the control socket ${closed} `));

    if (!root) return;
    // The directory is open but the socket (0660, root's) is not: its own owner and mode are shown.
    const open = await serve('open', 0o755);
    const sb = await run(p, 'hb_standby', ['--ctl-socket', open]);
    expect(sb.code, sb.stderr).to.equal(4);
    expect(sb.stderr).to.match(
      new RegExp(`^hb_standby: permission denied on the control socket ${open} \\(socket owner root:(root|haclient), mode 0660; you are nobody \\(uid 65534\\)\\)\\.`),
    );
    const tk = await run(p, 'hb_takeover', ['--ctl-socket', open]);
    expect(tk.code).to.equal(4);
    expect(tk.stderr).to.match(/^hb_takeover: permission denied on the control socket /);
  });

  it('still says "not running" (exit 7) when nothing listens at a path it may reach', async () => {
    const r = await run(prefix as string[], 'hb_standby', ['--ctl-socket', join(dir, 'none.sock')]);
    expect(r.code).to.equal(7);
    expect(r.stderr).to.equal(`hb_standby: Heartbeat is not running on this machine (no answer on ${join(dir, 'none.sock')}).\n`);
  });
});
