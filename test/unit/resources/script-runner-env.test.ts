// resource-d.ts: how ResourceManager names, finds and reads scripts, and the environment they get.
import { expect } from 'chai';
import { parseResourceWord, looksLikeIp, statusSaysRunning, scriptEnv, scriptArgs, HA_DATEFMT, SCRIPT_ENV_NAMES } from '../../../src/resources/resource-d.js';

describe('resource.d conventions', () => {
  it('treats a bare IP address as IPaddr::address (canonname)', () => {
    expect(parseResourceWord('192.0.2.10')).to.deep.equal({ spec: '192.0.2.10', name: 'IPaddr', args: ['192.0.2.10'] });
    expect(parseResourceWord('203.0.113.10/26/eth0')).to.deep.include({ name: 'IPaddr', args: ['203.0.113.10/26/eth0'] });
    expect(looksLikeIp('httpd')).to.equal(false);
  });

  it('splits NAME::arg::arg and passes the arguments before the operation', () => {
    const r = parseResourceWord('Filesystem::/dev/sda1::/data1::ext2');
    expect(r).to.deep.include({ name: 'Filesystem', args: ['/dev/sda1', '/data1', 'ext2'] });
    expect(scriptArgs(r, 'start')).to.deep.equal(['/dev/sda1', '/data1', 'ext2', 'start']);
    expect(scriptArgs(parseResourceWord('httpd'), 'stop')).to.deep.equal(['stop']);
  });

  it('reads status output like we_own_resource (text, not exit code)', () => {
    expect(statusSaysRunning('running\n')).to.equal(true);
    expect(statusSaysRunning('INFO:  Running OK\n')).to.equal(true);
    expect(statusSaysRunning('httpd is running...')).to.equal(true);
    expect(statusSaysRunning('httpd is not running')).to.equal(false);
    expect(statusSaysRunning('stopped\nINFO:  Resource is stopped\n')).to.equal(false);
    expect(statusSaysRunning('')).to.equal(false);
  });

  it('gives scripts the Heartbeat environment and drops inherited HA_ variables', () => {
    const env = scriptEnv({
      haDir: '/etc/ha.d/',
      nodeName: 'alpha',
      logfile: '/var/log/ha-log',
      debugfile: null,
      logfacility: 'local0',
      base: { PATH: '/usr/bin', HA_debug: '9', LC_ALL: 'fr_FR', HOME: '/root' },
    });
    for (const n of SCRIPT_ENV_NAMES.filter((n) => n !== 'HA_LOGFACILITY')) expect(env, n).to.have.property(n);
    expect(env).to.include({
      HA_DIR: '/etc/ha.d',
      HA_RESOURCEDIR: '/etc/ha.d/resource.d',
      HA_CURHOST: 'alpha',
      HA_LOGFILE: '/var/log/ha-log',
      HA_DEBUGLOG: '/dev/null',
      HA_LOGFACILITY: 'local0',
      HA_LOGD: 'no',
      HA_debug: '0',
      HA_DATEFMT,
      OCF_ROOT: '/usr/lib/ocf',
      HOME: '/root',
    });
    expect(env.LC_ALL).to.equal(undefined);
    expect(env.PATH?.split(':').slice(0, 3)).to.deep.equal([env.HA_BIN, '/usr/sbin', '/usr/share/heartbeat']);
    expect(env.PATH?.split(':')).to.include('/usr/bin');
  });
});
