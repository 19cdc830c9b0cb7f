import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterConfig } from '../../../src/config/types.js';
import { reloadVerdict } from '../../../src/control/runtime-reload.js';
import { loadAndBumpIdentity } from '../../../src/control/persist-state.js';

const base = {
  dir: '/etc/ha.d',
  thisNode: 'node1',
  haCf: { nodes: ['node1', 'node2'], media: [], keepaliveMs: 1000, deadtimeMs: 3000, warntimeMs: 2000, initdeadMs: 6000, deadpingMs: 3000,
    udpport: 694, autoFailback: 'on', pingNodes: [], pingGroups: [], msgfmt: 'classic', hopfudge: 1, autojoin: 'none', logfile: null,
    debugfile: null, logfacility: null, respawn: [], debug: 0, directives: [] },
  groups: [{ node: 'node1', resources: [{ spec: 'IPaddr::192.0.2.10', name: 'IPaddr', args: ['192.0.2.10'] }], where: { file: 'h', line: 1 } }],
  authkeys: { file: 'a', activeIndex: 1, keys: new Map([[1, { method: 'sha1', key: 'k' }]]) },
} as unknown as ClusterConfig;

describe('reload of a running node', () => {
  it('applies a debug-only change', () => {
    const v = reloadVerdict(base, { ...base, haCf: { ...base.haCf, debug: 2 } });
    expect(v.apply).to.equal(true);
    expect(v.logs.map((l) => l.text)).to.include('debug now set to 2');
  });

  it('refuses node and group changes, naming them and saying it needs a restart (keys too stay old then)', () => {
    const next = {
      ...base,
      haCf: { ...base.haCf, nodes: ['node1', 'node3'] },
      authkeys: { ...base.authkeys, keys: new Map([[1, { method: 'sha1', key: 'other' }]]) },
    } as unknown as ClusterConfig;
    const v = reloadVerdict(base, next);
    expect(v.apply).to.equal(false);
    expect(v.changed).to.deep.equal(['node list']);
    expect(v.logs[0]?.text).to.match(/needs a restart: node list changed; still running with the old configuration\./);
    expect(v.keys).to.equal(false);
  });

  it('applies new authkeys live and says which indexes are accepted (none weaker than the active one)', () => {
    const keys = new Map([[1, { method: 'md5', key: 'old' }], [2, { method: 'sha1', key: 'new' }], [3, { method: 'sha1', key: 'next' }]]);
    const v = reloadVerdict(base, { ...base, authkeys: { ...base.authkeys, activeIndex: 2, keys } } as unknown as ClusterConfig);
    expect(v).to.include({ apply: true, keys: true });
    expect(v.logs.map((l) => l.text)).to.include('authkeys re-read: sending with auth 2 (sha1); accepting auth 2, 3.');
    expect(reloadVerdict(base, base).keys).to.equal(false);
  });
});

describe('hb_generation and hb_uuid in the state directory', () => {
  it('creates both on a first start, then bumps the generation and keeps the uuid', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hb-persist-'));
    try {
      const a = loadAndBumpIdentity(dir, 1795300634);
      expect(a.generation).to.equal(1795300634);
      expect(readFileSync(join(dir, 'hb_generation'), 'latin1')).to.equal('     1795300634\n');
      expect(readFileSync(join(dir, 'hb_uuid')).length).to.equal(16);
      const b = loadAndBumpIdentity(dir, 1);
      expect(b.generation).to.equal(1795300635);
      expect(b.uuid.equals(a.uuid)).to.equal(true);
      writeFileSync(join(dir, 'hb_generation'), 'garbage');
      expect(loadAndBumpIdentity(dir, 42).generation).to.equal(42);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
