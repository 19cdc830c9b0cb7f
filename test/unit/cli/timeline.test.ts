// `heartbeat timeline` over the real Heartbeat 3.0.6's ha-logs (captures of a pair, alpha and
// bravo, through standby, kill -9, a partition and restarts) and over our own log lines.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { buildTimeline, parseLog, parseSince, renderTimeline, timelineSvg } from '../../../src/cli/timeline.js';
import { formatLine } from '../../../src/log/format.js';

const fixture = (n: string): string => readFileSync(new URL(`../../fixtures/timeline/full.${n}.ha-log`, import.meta.url), 'utf8');
const hm = (t: number): string => new Date(t).toTimeString().slice(0, 8);

describe('heartbeat timeline', () => {
  const logs = [parseLog(fixture('alpha'), null, 2026), parseLog(fixture('bravo'), null, 2026)];
  const t = buildTimeline(logs);

  it("names each file's node from its own lines, and reads resource-script lines (v1 format) as that node's", () => {
    expect([...new Set(logs[0]!.map((l) => l.node))]).to.deep.equal(['alpha']);
    expect([...new Set(logs[1]!.map((l) => l.node))]).to.deep.equal(['bravo']);
  });

  it('follows the group through standby, takeover and failback in the order the logs say', () => {
    const g = 'IPaddr::203.0.113.10/26/eth0';
    expect(t.holds.slice(0, 4).map((h) => `${h.node} ${hm(h.from)}-${h.to === null ? 'end' : hm(h.to)} ${h.group === g}`)).to.deep.equal([
      'alpha 20:27:32-20:28:43 true',
      'bravo 20:28:43-20:29:07 true',
      'alpha 20:29:07-20:29:23 true',
      'bravo 20:29:24-20:29:48 true',
    ]);
  });

  it("shows the real Heartbeat's split brain: both held the VIP while partitioned (20:31:54 - 20:32:04)", () => {
    expect(t.doubles.map((d) => `${d.nodes.join('+')} ${hm(d.from)}-${hm(d.to)}`)).to.include('alpha+bravo 20:31:54-20:32:04');
    const text = renderTimeline(t);
    expect(text).to.contain('20:32:02  alpha  ** Cluster node bravo returning after partition.');
    expect(text).to.contain('** held by alpha and bravo at once: 20:31:54 .. 20:32:04 (10 s)');
  });

  it('after a kill -9 (a start with no shutdown before it) counts the hold only up to the last line logged', () => {
    const h = t.holds.find((x) => x.node === 'alpha' && hm(x.from) === '20:29:48');
    expect(h && `${hm(h.to!)} ${h.unknownAfter}`).to.equal('20:29:53 true');
    expect(renderTimeline(t)).to.contain('alpha  20:29:48 .. 20:29:53 (5 s; then its heartbeat ended without a word (kill -9 or a crash)');
  });

  it('--since keeps what was held at that time and the events after it', () => {
    const since = parseSince('20:31:00', t.to)!;
    const s = buildTimeline(logs, since);
    expect(s.events.every((e) => e.at >= since)).to.equal(true);
    expect(s.holds[0]).to.include({ node: 'alpha', from: since });
    expect(parseSince('yesterday', t.to)).to.equal(null);
  });

  it('reads our own lines in both formats (syslogmsgfmt on and off)', () => {
    const at = new Date(2026, 11, 7, 10, 0, 0);
    const line = (message: string, s: number, on: boolean): string =>
      formatLine({ wallTime: new Date(at.getTime() + s * 1000), nodeName: 'node2', entity: 'heartbeat', pid: 7, level: 'info', message }, on);
    for (const on of [true, false]) {
      const text = [line('Acquiring resource group: node1 IPaddr::192.0.2.10/24/eth0 httpd', 0, on), line('Releasing resource group: node1 IPaddr::192.0.2.10/24/eth0 httpd', 5, on)].join('\n');
      const h = buildTimeline([parseLog(text, on ? null : 'node2', 2026)]).holds;
      expect(h.map((x) => `${x.node} ${x.group} ${(x.to! - x.from) / 1000}`)).to.deep.equal(['node2 IPaddr::192.0.2.10/24/eth0 5']);
    }
  });

  it('draws one bar per holding in the SVG', () => {
    const svg = timelineSvg(t);
    expect(svg).to.match(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/fill="#2da44e"/g)?.length).to.equal(t.holds.length);
  });
});
