// etc-ha.d/heartbeat (the LSB init script) driving the real CLI, configured only through a defaults file.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeConfig } from '../unit/cli/helpers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describe('init script etc-ha.d/heartbeat @integration', function () {
  this.timeout(60_000);
  let dir: string;
  let defaults: string;
  let pidfile: string;

  const init = (action: string) =>
    spawnSync('sh', [join(repo, 'etc-ha.d/heartbeat'), action], {
      env: { PATH: process.env.PATH, HEARTBEAT_DEFAULTS_FILE: defaults },
      encoding: 'utf8',
      timeout: 30_000,
    });

  beforeEach(() => {
    dir = writeConfig(mkdtempSync(join(tmpdir(), 'hb-init-')));
    pidfile = join(dir, 'heartbeat.pid');
    const wrapper = join(dir, 'heartbeat-bin');
    writeFileSync(wrapper, `#!/bin/sh\ncd ${repo} && exec ${process.execPath} --import tsx src/cli/heartbeat.ts "$@"\n`);
    chmodSync(wrapper, 0o755);
    defaults = join(dir, 'default-heartbeat');
    writeFileSync(
      defaults,
      [`HEARTBEAT=${wrapper}`, `CONFIG_DIR=${dir}`, 'NODE_NAME=node1', `PIDFILE=${pidfile}`, `STATE_DIR=${dir}/state`, 'STOP_TIMEOUT=20', ''].join('\n'),
    );
  });
  afterEach(() => {
    if (existsSync(pidfile)) {
      try {
        process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, reports status with Heartbeat\'s line, reloads, stops, with LSB codes', () => {
    expect(init('start').status).to.equal(0);
    const st = init('status');
    expect(st.status).to.equal(0);
    expect(st.stdout).to.match(/^heartbeat OK \[pid \d+ et al\] is running on node1 \[node1\]\.\.\.$/m);
    expect(init('reload').status).to.equal(0);
    expect(init('try-restart').status).to.equal(0);
    expect(init('stop').status).to.equal(0);
    expect(init('status').status).to.equal(3);
    expect(init('stop').status).to.equal(0);
    expect(init('reload').status).to.equal(7);
  });

  it('returns 6 for a broken configuration and 2 for an unknown action', () => {
    writeFileSync(join(dir, 'ha.cf'), 'bogus_directive yes\n');
    expect(init('start').status).to.equal(6);
    expect(init('frobnicate').status).to.equal(2);
  });

  it('the shipped /etc/default/heartbeat sample parses to no values and no problems (all commented)', () => {
    const text = readFileSync(join(repo, 'etc-ha.d/default-heartbeat'), 'utf8');
    expect(text.split('\n').filter((l) => l.trim() && !l.startsWith('#'))).to.deep.equal([]);
  });
});
