// The shipped etc-ha.d samples pass our validation; Debian's annotated samples parse without a
// syntax error (they are nearly all comments); Heartbeat time syntax.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAuthkeys } from '../../../src/config/authkeys.js';
import { parseHaCf } from '../../../src/config/ha-cf.js';
import { parseHaresources } from '../../../src/config/haresources.js';
import { formatIssue, loadConfig } from '../../../src/config/load.js';
import { parseHbTime } from '../../../src/config/time.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const DOC = '/usr/share/doc/heartbeat';

function docText(name: string): string | null {
  if (existsSync(`${DOC}/${name}.gz`)) return execFileSync('gunzip', ['-c', `${DOC}/${name}.gz`], { encoding: 'utf8' });
  if (existsSync(`${DOC}/${name}`)) return readFileSync(`${DOC}/${name}`, 'utf8');
  return null;
}

describe('etc-ha.d samples', () => {
  for (const node of ['node1', 'node2']) {
    it(`pass validation on ${node} (authkeys chmod 600 as the install step does)`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'hbsample-'));
      try {
        for (const f of ['ha.cf', 'haresources', 'authkeys']) copyFileSync(join(REPO, 'etc-ha.d', f), join(dir, f));
        chmodSync(join(dir, 'authkeys'), 0o600);
        const r = loadConfig({ dir, nodeName: node, interfaces: ['lo', 'eth0', 'eth1'] });
        expect(r.issues.filter((i) => i.severity === 'error').map(formatIssue)).to.deep.equal([]);
        expect(r.config?.haCf.nodes).to.deep.equal(['node1', 'node2']);
        expect(r.config?.groups[0]?.resources.map((x) => x.spec)).to.deep.equal(['IPaddr::192.0.2.10/24/eth0', 'httpd']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe("Debian's annotated samples", () => {
  it('ha.cf has no illegal directive (it only sets logfacility and auto_failback)', function () {
    const text = docText('ha.cf');
    if (text === null) this.skip();
    const r = parseHaCf(text ?? '', { file: 'ha.cf', nodeName: 'alpha' });
    const errors = r.issues.filter((i) => i.severity === 'error' && i.line > 0);
    expect(errors.map(formatIssue)).to.deep.equal([]);
    expect([r.haCf.logfacility, r.haCf.autoFailback]).to.deep.equal(['local0', 'on']);
  });

  it('haresources is all comments', function () {
    const text = docText('haresources');
    if (text === null) this.skip();
    expect(parseHaresources(text ?? '', { file: 'haresources' }).groups).to.deep.equal([]);
  });

  it('authkeys parses; its key lines are commented out, so it has no auth line', function () {
    const text = docText('authkeys');
    if (text === null) this.skip();
    const r = parseAuthkeys(text ?? '', { file: 'authkeys' });
    expect(r.issues.map((i) => i.message)).to.deep.equal(['Missing auth directive in keyfile [authkeys]']);
  });
});

describe('Heartbeat time syntax', () => {
  const cases: [string, number | null][] = [
    ['2', 2000], ['1.7', 1700], ['.5', 500], ['2000ms', 2000], ['1700MS', 1700], ['2000msec', 2000], ['1500 ms', 1500],
    ['1000000us', 1000], ['499us', 0], ['501us', 1], ['2usec', 0], ['0', 0],
    ['6s', null], ['abc', null], ['', null], ['-1', null], ['1m', null],
  ];
  for (const [text, ms] of cases) {
    it(`reads [${text}] as ${ms === null ? 'invalid' : `${ms} ms`}`, () => expect(parseHbTime(text)).to.equal(ms));
  }
});
