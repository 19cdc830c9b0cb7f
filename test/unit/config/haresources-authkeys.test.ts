// haresources and authkeys readers: forms, quirks and exact file:line messages.
import { expect } from 'chai';
import { parseAuthkeys } from '../../../src/config/authkeys.js';
import { parseHaresources, parseResourceSpec } from '../../../src/config/haresources.js';
import { formatIssue } from '../../../src/config/load.js';

describe('haresources', () => {
  const opts = { file: 'haresources', nodes: ['alpha', 'bravo'] };

  it('reads IPaddr forms, a bare IP as IPaddr, and :: arguments', () => {
    expect(parseResourceSpec('IPaddr::192.0.2.10')).to.deep.equal({ spec: 'IPaddr::192.0.2.10', name: 'IPaddr', args: ['192.0.2.10'] });
    expect(parseResourceSpec('IPaddr::192.0.2.10/24/eth0/192.0.2.255').args).to.deep.equal(['192.0.2.10/24/eth0/192.0.2.255']);
    expect(parseResourceSpec('192.0.2.10/24/eth0')).to.deep.equal({ spec: '192.0.2.10/24/eth0', name: 'IPaddr', args: ['192.0.2.10/24/eth0'] });
    expect(parseResourceSpec('Filesystem::/dev/sda1::/data1::ext2').args).to.deep.equal(['/dev/sda1', '/data1', 'ext2']);
    expect(parseResourceSpec('httpd')).to.deep.equal({ spec: 'httpd', name: 'httpd', args: [] });
  });

  it('reads several groups, comments, backslash continuation and a lower-cased node', () => {
    const r = parseHaresources('# c\nAlpha 192.0.2.10 \\\n  httpd # web\n\nbravo\tIPaddr::192.0.2.11\n', opts);
    expect(r.issues).to.deep.equal([]);
    expect(r.groups.map((g) => [g.node, g.where.line, g.resources.map((x) => x.spec)])).to.deep.equal([
      ['alpha', 2, ['192.0.2.10', 'httpd']],
      ['bravo', 5, ['IPaddr::192.0.2.11']],
    ]);
  });

  it('refuses a group whose node is not in ha.cf, with the real message, and reports all of them', () => {
    const r = parseHaresources('charlie 192.0.2.10\nalpha x\ndelta y\n', opts);
    expect(r.issues.map(formatIssue)).to.deep.equal([
      'haresources:1: Bad nodename in haresources [charlie]',
      'haresources:3: Bad nodename in haresources [delta]',
    ]);
  });

  it('warns (never refuses) when a script is in neither resource.d nor the init dir, naming both', () => {
    const r = parseHaresources('alpha IPaddr::192.0.2.10 NoSuch::x\n', {
      ...opts, scriptDirs: ['/etc/ha.d/resource.d', '/etc/init.d'], executable: (p) => p === '/etc/ha.d/resource.d/IPaddr',
    });
    expect(r.issues.map((i) => `${i.severity} ${formatIssue(i)}`)).to.deep.equal([
      'warning haresources:1: Cannot locate resource script NoSuch (resource [NoSuch::x]) in /etc/ha.d/resource.d or /etc/init.d:' +
        ' Heartbeat starts, then fails to acquire this group',
    ]);
  });

  it('finds a script in the init dir when resource.d lacks it', () => {
    const r = parseHaresources('alpha httpd\n', { ...opts, scriptDirs: ['/d/resource.d', '/etc/init.d'], executable: (p) => p === '/etc/init.d/httpd' });
    expect(r.issues).to.deep.equal([]);
  });
});

describe('authkeys', () => {
  const parse = (text: string, mode = 0o600) => parseAuthkeys(text, { file: '/etc/ha.d/authkeys', mode });
  const msgs = (text: string, mode = 0o600) => parse(text, mode).issues.map((i) => `${i.severity} ${formatIssue(i)}`);

  it('reads auth N and several keys, keeping only the first word of a key (Heartbeat quirk)', () => {
    const a = parse('# keys\nauth 3\n1 crc\n2 sha1 Second\n3 md5 Md5-Secret key\n').authkeys;
    expect(a?.activeIndex).to.equal(3);
    expect([...(a?.keys ?? new Map()).entries()]).to.deep.equal([
      [1, { method: 'crc', key: '' }], [2, { method: 'sha1', key: 'Second' }], [3, { method: 'md5', key: 'Md5-Secret' }],
    ]);
  });

  it('accepts modes that give nothing to group and other (600, 400, 700)', () => {
    for (const m of [0o600, 0o400, 0o700]) expect(parse('auth 1\n1 sha1 k\n', m).authkeys).to.not.equal(null);
  });

  it("refuses group/other bits with Heartbeat's words", () => {
    expect(msgs('auth 1\n1 sha1 k\n', 0o644)).to.deep.equal([
      'error /etc/ha.d/authkeys: Bad permissions on keyfile [/etc/ha.d/authkeys], 600 recommended. (mode 644: chmod 600 /etc/ha.d/authkeys)',
    ]);
    expect(parse('auth 1\n1 sha1 k\n', 0o604).authkeys).to.equal(null);
  });

  it('refuses a missing index, an unknown method, a missing key, a bad index and a missing auth line', () => {
    expect(msgs('auth 2\n1 sha1 k\n')).to.deep.equal(['error /etc/ha.d/authkeys:1: Auth Key [2] not found in keyfile [/etc/ha.d/authkeys]']);
    expect(msgs('auth 1\n1 sha256 k\n')[0]).to.equal('error /etc/ha.d/authkeys:2: Invalid authtype [sha256] (crc, md5 or sha1)');
    expect(msgs('auth 1\n1 SHA1 k\n')[0]).to.equal('error /etc/ha.d/authkeys:2: Invalid authtype [SHA1] (crc, md5 or sha1)');
    expect(msgs('auth 1\n1 sha1\n')[0]).to.equal('error /etc/ha.d/authkeys:2: Auth method [sha1] requires a key');
    expect(msgs('auth 16\n')[0]).to.equal('error /etc/ha.d/authkeys:1: Invalid authnum [16] in /etc/ha.d/authkeys');
    expect(msgs('1 sha1 k\n')).to.deep.equal(['error /etc/ha.d/authkeys: Missing auth directive in keyfile [/etc/ha.d/authkeys]']);
    expect(msgs('auth 1\nbogus\n')[0]).to.equal('error /etc/ha.d/authkeys:2: Auth line [bogus] is invalid.');
  });

  it('warns that crc authenticates nothing, and that a key with blanks is cut', () => {
    expect(msgs('auth 1\n1 crc\n')).to.deep.equal([
      'warning /etc/ha.d/authkeys:2: Auth method [crc] authenticates nothing: anyone on the network can join; use sha1',
    ]);
    expect(msgs('auth 1\n1 sha1 two words\n')).to.deep.equal([
      'warning /etc/ha.d/authkeys:2: key [1] is only [two]: Heartbeat ignores the text after the first blank',
    ]);
  });

  it('drops a crc line that has a key, as the real 3.0.6 does, so `auth N` on it finds no key', () => {
    expect(msgs('auth 2\n2 crc SomeKey\n')).to.deep.equal([
      "info /etc/ha.d/authkeys:2: Auth method [crc] doesn't use a key",
      'error /etc/ha.d/authkeys:1: Auth Key [2] not found in keyfile [/etc/ha.d/authkeys]',
    ]);
  });

  it('reads CRLF and trailing comments', () => {
    expect(parse('auth 1 # x\r\n1 sha1 k # c\r\n').authkeys?.keys.get(1)).to.deep.equal({ method: 'sha1', key: 'k' });
  });
});
