// ha.cf: one passing and one failing sample per directive, with the exact `file:line: message`,
// plus lexing, defaults and order rules. Host facts are fixed so nothing depends on this machine.
import { expect } from 'chai';
import { parseHaCf } from '../../../src/config/ha-cf.js';
import type { HostFacts } from '../../../src/config/ha-cf.js';
import { DIRECTIVES } from '../../../src/config/directives.js';
import { formatIssue } from '../../../src/config/load.js';

const HOST: HostFacts = {
  interfaces: new Set(['lo', 'eth0', 'eth1']),
  users: new Set(['root', 'nobody', 'hacluster']),
  exists: (p) => ['/dev/ttyS0', '/etc/ha.d/stonith.cfg'].includes(p),
  executable: (p) => ['/bin/true', '/usr/libexec/heartbeat/ipfail'].includes(p),
};
const BASE = ['keepalive 1', 'deadtime 10', 'initdead 20', 'bcast eth0', 'auto_failback on', 'node alpha bravo'];
/** The extra line is line 7. */
const parse = (...extra: string[]) => parseHaCf([...BASE, ...extra].join('\n'), { file: 'ha.cf', nodeName: 'alpha', host: HOST });
const errors = (...extra: string[]) => parse(...extra).issues.filter((i) => i.severity === 'error').map(formatIssue);
const warnings = (...extra: string[]) => parse(...extra).issues.filter((i) => i.severity === 'warning').map(formatIssue);

// [directive, passing line, failing line or null, exact first error of the failing line]
const SAMPLES: [string, string, string | null, string][] = [
  ['node', 'node charlie', null, ''],
  ['keepalive', 'keepalive 2', 'keepalive 0', 'ha.cf:7: keepalive [0] is not a valid time (Heartbeat time: 2, 1.5, 2000ms or 500us)'],
  ['deadtime', 'deadtime 15', 'deadtime 6s', 'ha.cf:7: deadtime [6s] is not a valid time (Heartbeat time: 2, 1.5, 2000ms or 500us)'],
  ['warntime', 'warntime 5', 'warntime 0', 'ha.cf:7: Warn time [0] is invalid.'],
  ['initdead', 'initdead 60', 'initdead 5', 'ha.cf:7: Initial dead time [5000] is smaller than deadtime [10000]'],
  ['udpport', 'udpport 695', 'udpport 0', 'ha.cf:7: invalid port [0] specified.'],
  ['logfile', 'logfile /var/log/ha-log', null, ''],
  ['debugfile', 'debugfile /var/log/ha-debug', null, ''],
  ['logfacility', 'logfacility local0', 'logfacility bogus', 'ha.cf:7: Log facility(bogus) not valid'],
  ['debug', 'debug 3', 'debug 300', 'ha.cf:7: debug [300] must be an integer from 0 to 255'],
  ['autojoin', 'autojoin none', 'autojoin any', 'ha.cf:7: R1 style resource management conflicts with autojoin set (haresources needs autojoin none; heartbeat-ts has no crm)'],
  ['msgfmt', 'msgfmt netstring', 'msgfmt xml', 'ha.cf:7: msgfmt [xml] must be classic or netstring'],
  ['auto_failback', 'auto_failback off', 'auto_failback maybe', 'ha.cf:7: auto_failback [maybe] must be on, off or legacy'],
  ['use_logd', 'use_logd off', 'use_logd perhaps', 'ha.cf:7: use_logd [perhaps] must be on or off (yes/no, true/false)'],
  ['bcast', 'bcast eth1', 'bcast eth7', 'ha.cf:7: Illegal bcast [UDP/IP broadcast] in config file [eth7]: IP interface [eth7] does not exist'],
  ['udp', 'udp eth1', 'udp eth7', 'ha.cf:7: Illegal bcast [UDP/IP broadcast] in config file [eth7]: IP interface [eth7] does not exist'],
  ['ucast', 'ucast eth1 192.0.2.2', 'ucast eth1', 'ha.cf:7: ucast: [eth1] missing target IP address/hostname'],
  ['mcast', 'mcast eth1 233.252.0.1 694 1 0', 'mcast eth1 192.0.2.99 694 1 0', 'ha.cf:7: mcast [eth1] bad addr [192.0.2.99] (must be class D, 224.0.0.0 - 239.255.255.255)'],
  ['ucast6', 'ucast eth1 192.0.2.3', 'ucast6 eth1 fe80::1', 'ha.cf:7: ucast6: IPv6 media are not implemented by heartbeat-ts'],
  ['mcast6', 'mcast eth1 233.252.0.2 694 1 1', 'mcast6 eth1 ff12::1 694 1 0', 'ha.cf:7: mcast6: IPv6 media are not implemented by heartbeat-ts'],
  ['serial', 'serial /dev/ttyS0', 'serial /dev/ttyS9', 'ha.cf:7: Nonexistent serial port [/dev/ttyS9] in config file'],
  ['ping', 'ping 192.0.2.99', null, ''],
  ['ping6', 'ping 192.0.2.98', 'ping6 fe80::1', 'ha.cf:7: ping6: IPv6 ping nodes are not implemented by heartbeat-ts'],
  ['ping_group', 'ping_group routers 192.0.2.98 192.0.2.97', 'ping_group routers', 'ha.cf:7: ping_group: needs a group name and at least one address (ping_group NAME ADDR...)'],
  ['baud', 'baud 38400', 'baud 12345', 'ha.cf:7: invalid baudrate [12345] specified. (one of 9600, 19200, 38400, 57600, 115200, 230400, 460800)'],
  ['deadping', 'deadping 20', 'deadping 2', 'ha.cf:7: Ping dead time [2000] is too small compared to keeplive [1000]'],
  ['hopfudge', 'hopfudge 2', 'hopfudge 256', 'ha.cf:7: hopfudge [256] must be an integer from 0 to 255'],
  ['nice_failback', 'nice_failback on', 'nice_failback maybe', 'ha.cf:7: nice_failback [maybe] must be on or off'],
  ['respawn', 'respawn hacluster /usr/libexec/heartbeat/ipfail', 'respawn nosuchuser /bin/true', 'ha.cf:7: Invalid uid [nosuchuser] specified for client child'],
  ['failfast', 'failfast nobody /bin/true', 'failfast nobody bin/true', 'ha.cf:7: Client child command [bin/true] is not full pathname'],
  ['stonith', 'stonith null /etc/ha.d/stonith.cfg', 'stonith null /etc/ha.d/none.cfg', 'ha.cf:7: Invalid Stonith config file [/etc/ha.d/none.cfg]'],
  ['stonith_host', 'stonith_host * null alpha bravo', 'stonith_host alpha', 'ha.cf:7: No Stonith type given'],
  ['watchdog', 'watchdog /dev/watchdog', null, ''],
  ['traditional_compression', 'traditional_compression on', 'traditional_compression maybe', 'ha.cf:7: set_traditional_compression:Invalid directive value maybe'],
  ['apiauth', 'apiauth ipfail uid=hacluster', 'apiauth foo bar', 'ha.cf:7: Invalid apiauth directive [foo bar] (Syntax: apiauth client [uid=uidlist] [gid=gidlist]; one or the other must be specified.)'],
  ['cluster', 'cluster prod', null, ''],
  ['rtprio', 'rtprio 5', 'rtprio 200', 'ha.cf:7: Illegal realtime priority [200]'],
  ['realtime', 'realtime off', 'realtime later', 'ha.cf:7: realtime [later] must be on or off (yes/no, true/false)'],
  ['hbgenmethod', 'hbgenmethod time', 'hbgenmethod foo', 'ha.cf:7: Illegal hb generation method [foo]'],
  ['uuidfrom', 'uuidfrom nodename', 'uuidfrom foo', 'ha.cf:7: Invalid uuidfrom directive [foo]'],
  ['conn_logd_time', 'conn_logd_time 60', 'conn_logd_time 0', 'ha.cf:7: conn_logd_time [0] is not a valid time (Heartbeat time: 2, 1.5, 2000ms or 500us)'],
  ['log_badpack', 'log_badpack false', 'log_badpack x', 'ha.cf:7: log_badpack [x] must be on or off (yes/no, true/false)'],
  ['syslogmsgfmt', 'syslogmsgfmt false', 'syslogmsgfmt x', 'ha.cf:7: syslogmsgfmt [x] must be on or off (yes/no, true/false)'],
  ['coredumps', 'coredumps false', 'coredumps x', 'ha.cf:7: coredumps [x] must be on or off (yes/no, true/false)'],
  ['coreroot', 'coreroot /var/lib/heartbeat/cores', null, ''],
  ['compression', 'compression bz2', 'compression foo', 'ha.cf:7: Compression module(foo) not found'],
  ['compression_threshold', 'compression_threshold 20', 'compression_threshold 0', 'ha.cf:7: set_compression_threshold: compress_threshhold(0) invalid'],
  ['env', 'env logpriority=debug', 'env novalue', 'ha.cf:7: set_env: invalid nvpair(novalue)'],
  ['max_rexmit_delay', 'max_rexmit_delay 250', 'max_rexmit_delay 0', 'ha.cf:7: Invalid max_rexmit_delay time(0)'],
  ['memreserve', 'memreserve 6500', null, ''],
  ['use_apphbd', 'use_apphbd no', 'use_apphbd x', 'ha.cf:7: use_apphbd [x] must be on or off (yes/no, true/false)'],
  ['quorum_server', 'quorum_server qs.example', null, ''],
  ['crm', 'crm off', 'crm respawn', "ha.cf:7: Pacemaker support [respawn] is not available: heartbeat-ts manages resources from haresources only (use 'crm off' or remove the line)"],
  ['pacemaker', 'pacemaker false', 'pacemaker on', "ha.cf:7: Pacemaker support [on] is not available: heartbeat-ts manages resources from haresources only (use 'crm off' or remove the line)"],
  ['crm_daemon_dir', 'crm off', 'crm_daemon_dir /usr/libexec/pacemaker', 'ha.cf:7: crm_daemon_dir [/usr/libexec/pacemaker]: Pacemaker directive; heartbeat-ts does not run Pacemaker (Heartbeat 3.0.6 refuses it too without Pacemaker)'],
  ['crmd_spawns_pengine', 'crmd_spawns_pengine off', null, ''],
  ['record_config_changes', 'record_config_changes on', 'record_config_changes x', 'ha.cf:7: record_config_changes [x] must be on or off (yes/no, true/false)'],
  ['record_pengine_inputs', 'record_pengine_inputs off', 'record_pengine_inputs x', 'ha.cf:7: record_pengine_inputs [x] must be on or off (yes/no, true/false)'],
  ['metrics', 'metrics 127.0.0.1:9694', 'metrics localhost:9694', 'ha.cf:7: metrics [localhost:9694]: expected ADDRESS:PORT (an IP address and a port 1-65535, e.g. 127.0.0.1:9694) or a PORT alone (on 127.0.0.1)'],
  ['enable_config_writes', 'enable_config_writes on', 'enable_config_writes x', 'ha.cf:7: enable_config_writes [x] must be on or off (yes/no, true/false)'],
];

describe('ha.cf directives', () => {
  it('has a sample for every directive in the table', () => {
    const sampled = new Set(SAMPLES.map((s) => s[0]));
    expect(DIRECTIVES.map((d) => d.name).filter((n) => !sampled.has(n))).to.deep.equal([]);
  });

  for (const [name, good, bad, message] of SAMPLES) {
    it(`accepts \`${good}\``, () => {
      expect(errors(good)).to.deep.equal([]);
    });
    if (bad !== null) {
      it(`refuses \`${bad}\` with file:line and Heartbeat's words (${name})`, () => {
        expect(errors(bad)[0]).to.equal(message);
      });
    }
  }

  it('rejects an unknown directive as Heartbeat does, with a did-you-mean', () => {
    expect(errors('bcastt eth1')).to.deep.equal(['ha.cf:7: Illegal directive [bcastt] (did you mean [bcast]?)']);
  });

  it('rejects hbaping like the real 3.0.6, which ships no hbaping plugin', () => {
    expect(errors('hbaping fc0')[0]).to.match(/^ha\.cf:7: Illegal directive \[hbaping\] \(the hbaping plugin was never shipped/);
  });

  it('warns that Pacemaker-only tuning is ignored, naming the directive', () => {
    expect(warnings('crmd_spawns_pengine off')).to.include(
      'ha.cf:7: crmd_spawns_pengine [off] ignored: Pacemaker-only directive; heartbeat-ts runs haresources (v1) resource management');
  });

  it('refuses pacemaker/crm given twice, as Heartbeat does', () => {
    expect(errors('crm off', 'pacemaker off')).to.deep.equal(['ha.cf:8: pacemaker/crm directive used multiple times!']);
  });

  it('accepts respawn of any .../ipfail, which only turns on the built-in module, even where no such program exists', () => {
    expect(errors('respawn hacluster /usr/lib/heartbeat/ipfail')).to.deep.equal([]);
    expect(errors('respawn nosuchuser /opt/ha/ipfail')).to.deep.equal([]);
    expect(errors('respawn hacluster /usr/lib/heartbeat/notipfail')).to.deep.equal([
      'ha.cf:7: Client child command [/usr/lib/heartbeat/notipfail] is not executable',
    ]);
  });

  it('refuses a second baud and a second watchdog', () => {
    expect(errors('baud 9600', 'baud 19200')).to.deep.equal(['ha.cf:8: Baudrate multiply specified.']);
    expect(errors('watchdog /dev/watchdog', 'watchdog /dev/w2')).to.deep.equal(['ha.cf:8: Watchdog device multiply specified.']);
  });
});

describe('ha.cf checks across the file', () => {
  it('refuses deadtime <= 2 x keepalive with the real (misspelt) message', () => {
    expect(errors('keepalive 1', 'deadtime 2', 'initdead 12')).to.deep.equal(['ha.cf:8: Dead time [2000] is too small compared to keeplive [1000]']);
  });

  it('accepts deadtime just above 2 x keepalive (2001 ms vs 1000 ms)', () => {
    expect(errors('deadtime 2001ms', 'initdead 12')).to.deep.equal([]);
  });

  it('warns when initdead is below 10 s but not below deadtime', () => {
    expect(warnings('deadtime 6', 'initdead 7')[0]).to.equal('ha.cf:8: Initial dead time [7000 ms] may be too small!' +
      ' Initial dead time accounts for slow network startup time. It should be >= deadtime and >= 10 seconds');
  });

  it('needs a medium, and this host among the nodes', () => {
    const r = parseHaCf('node bravo\n', { file: 'ha.cf', nodeName: 'alpha', host: HOST });
    expect(r.issues.filter((i) => i.severity === 'error').map(formatIssue)).to.deep.equal([
      'ha.cf: No heartbeat media defined',
      "ha.cf: Current node [alpha] not in configuration! By default, cluster nodes are named by `uname -n` and must be declared with a 'node' directive in the ha.cf file.",
    ]);
  });

  it("applies Heartbeat's defaults: keepalive 1 s, deadtime 30 s, warntime deadtime/2, initdead, deadping, udpport 694", () => {
    const h = parseHaCf('bcast eth0\nnode alpha\n', { file: 'ha.cf', nodeName: 'alpha', host: HOST }).haCf;
    expect([h.keepaliveMs, h.deadtimeMs, h.warntimeMs, h.initdeadMs, h.deadpingMs, h.udpport]).to.deep.equal([1000, 30000, 15000, 30000, 30000, 694]);
    expect([h.autoFailback, h.logfile, h.logfacility, h.debug, h.hopfudge, h.msgfmt, h.autojoin]).to.deep.equal(['legacy', null, null, 0, 1, 'classic', 'none']);
  });

  it('runs realtime at the lowest priority unless told otherwise, as Heartbeat does', () => {
    const h = (extra: string) => parseHaCf(`bcast eth0\nnode alpha\n${extra}`, { file: 'ha.cf', nodeName: 'alpha', host: HOST }).haCf;
    expect([h('').realtime, h('').rtprio]).to.deep.equal([true, undefined]);
    expect([h('realtime off\n').realtime, h('rtprio 20\n').rtprio]).to.deep.equal([false, 20]);
  });

  it('derives initdead as Heartbeat: 12 s under 6 s deadtime, else 2 x deadtime up to 10 s', () => {
    const init = (d: string) => parseHaCf(`bcast eth0\nnode alpha\ndeadtime ${d}\n`, { file: 'f', nodeName: 'alpha', host: HOST }).haCf.initdeadMs;
    expect([init('5'), init('6'), init('10'), init('11')]).to.deep.equal([12000, 12000, 20000, 11000]);
  });

  it("gives the three 'legacy' WARN lines when auto_failback is missing", () => {
    const r = parseHaCf('bcast eth0\nnode alpha\n', { file: 'ha.cf', nodeName: 'alpha', host: HOST });
    expect(r.issues.map(formatIssue)).to.include("ha.cf: Deprecated 'legacy' auto_failback option selected." +
      " Please convert to 'auto_failback on'. See documentation for conversion details.");
  });
});

describe('ha.cf lexing and order rules', () => {
  it('reads comments anywhere, tabs, trailing blanks and CRLF', () => {
    const r = parseHaCf('# c\r\n\tkeepalive\t2 # two\r\nbcast eth0#x\r\nnode alpha   \r\n', { file: 'f', nodeName: 'alpha', host: HOST });
    expect(r.haCf.keepaliveMs).to.equal(2000);
    expect(r.haCf.media).to.have.length(1);
    expect(r.haCf.nodes).to.deep.equal(['alpha']);
  });

  it('takes several nodes on one line, lower-cased, and words split by commas', () => {
    expect(parse('node Charlie,DELTA echo').haCf.nodes).to.deep.equal(['alpha', 'bravo', 'charlie', 'delta', 'echo']);
  });

  it('applies each word of a one-value directive in turn (keepalive 1 2 ends at 2 s)', () => {
    expect(parse('keepalive 1 2').haCf.keepaliveMs).to.equal(2000);
  });

  it('gives media the udpport in force when they are read; a later udpport only warns', () => {
    const r = parseHaCf('udpport 7000\nbcast eth0\nucast eth1 192.0.2.2\nudpport 7001\nbcast eth1\nnode alpha\n', { file: 'ha.cf', nodeName: 'alpha', host: HOST });
    expect(r.haCf.media.map((m) => ('port' in m ? m.port : 0))).to.deep.equal([7000, 7000, 7001]);
    expect(r.issues.map(formatIssue)).to.include(
      'ha.cf:4: udpport setting must precede media statements: the 2 bcast/ucast line(s) before it (first at line 2) keep port 7000');
  });

  it('keeps mcast on its own port whatever udpport says', () => {
    const r = parseHaCf('udpport 7000\nmcast eth0 233.252.0.1 694 1 0\nnode alpha\n', { file: 'f', nodeName: 'alpha', host: HOST });
    expect(r.haCf.media[0]).to.include({ kind: 'mcast', port: 694, ttl: 1, loop: false });
  });

  it('gives serial lines the baud set before them', () => {
    const r = parseHaCf('serial /dev/ttyS0\nbaud 38400\nserial /dev/ttyS0\nbcast eth0\nnode alpha\n', { file: 'f', nodeName: 'alpha', host: HOST });
    expect(r.haCf.media.filter((m) => m.kind === 'serial').map((m) => (m.kind === 'serial' ? m.baud : 0))).to.deep.equal([19200, 38400]);
  });

  it('maps nice_failback on to auto_failback off and off to legacy', () => {
    expect(parse('nice_failback on').haCf.autoFailback).to.equal('off');
    expect(parse('nice_failback off').haCf.autoFailback).to.equal('legacy');
  });
});
