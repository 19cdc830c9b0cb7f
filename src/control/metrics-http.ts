// `metrics ADDRESS:PORT` in ha.cf: the daemon itself serves /metrics (Prometheus text), / (the
// status page) and /status.json (what the page polls). Served in-process rather than by a companion
// reading the control socket: a scrape is a few microseconds of string building here, where a
// companion would be a second Node process (about 40 MB RSS) and a socket round trip per scrape.
// Read-only: nothing here changes the cluster. No client library: the text format is a few lines
// (metrics.ts) and prom-client would pull its default collectors into every daemon.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readdirSync } from 'node:fs';
import { LEVEL_WORD } from '../log/types.js';
import type { FlightRecorder } from './recorder.js';
import { renderMetrics } from './metrics.js';
import type { Runtime } from './runtime.js';
import { buildView, linksView } from './runtime-view.js';
import { STATUS_PAGE } from './status-page.js';
import { INTERVAL_BUCKETS_MS } from '../membership/link-health.js';

export const EVENTS_SHOWN = 20;

export interface MetricsSources {
  readonly rt: Runtime;
  /** The flight recorder: the page's last events are its latest info-and-above lines (none when off). */
  readonly recorder: FlightRecorder | null;
  readonly version: string;
}

/** The process's start, once: recomputing it per scrape would flap by rounding. */
const START_TIME_S = Math.round(Date.now() / 1000 - process.uptime());

function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1; // less the one readdir holds
  } catch {
    return null;
  }
}

export function metricsText(s: MetricsSources): string {
  const { rt } = s;
  const health = rt.health();
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const seconds = INTERVAL_BUCKETS_MS.map((b) => b / 1000);
  return renderMetrics({
    view: buildView(rt),
    peers: linksView(rt),
    counters: rt.membershipStatus()?.counters ?? null,
    warntimeSeconds: rt.config.haCf.warntimeMs / 1000,
    groupRuns: rt.runner.groupRuns,
    scriptRuns: rt.runner.scriptRuns,
    intervals: new Map(health.map((n) => [n.name, { bounds: seconds, counts: n.intervals.counts, sum: n.intervals.sumMs / 1000, count: n.intervals.count }])),
    timerLag: rt.timerLag,
    tables: { ...rt.tableSizes(), recorderLines: s.recorder?.size ?? 0 },
    process: {
      residentBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      openFds: openFds(),
      startTimeSeconds: START_TIME_S,
    },
    version: s.version,
  });
}

/** What /status.json says: the `heartbeat status --json` view, the links, the last events. */
export function statusJson(s: MetricsSources): unknown {
  const events = (s.recorder?.entries() ?? [])
    .filter((e) => e.level !== 'debug')
    .slice(-EVENTS_SHOWN)
    .map((e) => ({ at: new Date(e.at).toISOString(), level: LEVEL_WORD[e.level], message: e.message }));
  return { at: new Date().toISOString(), state: s.rt.state, ...buildView(s.rt), links: linksView(s.rt), events, recorder: s.recorder !== null };
}

function reply(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
}

function route(s: MetricsSources, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return reply(res, 405, 'text/plain; charset=utf-8', 'read-only: GET /metrics, / or /status.json\n');
  }
  const path = (req.url ?? '/').split('?')[0];
  if (path === '/metrics') return reply(res, 200, 'text/plain; version=0.0.4; charset=utf-8', metricsText(s));
  if (path === '/status.json') return reply(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(statusJson(s))}\n`);
  if (path === '/' || path === '/index.html') return reply(res, 200, 'text/html; charset=utf-8', STATUS_PAGE);
  reply(res, 404, 'text/plain; charset=utf-8', 'not found: GET /metrics, / or /status.json\n');
}

/** Listen on ADDRESS:PORT; rejects (EADDRINUSE, EADDRNOTAVAIL, EACCES) with the address in the message. */
export function listenMetrics(at: { host: string; port: number }, s: MetricsSources): Promise<Server> {
  const server = createServer((req, res) => {
    try {
      route(s, req, res);
    } catch (e) {
      reply(res, 500, 'text/plain; charset=utf-8', `${(e as Error).message}\n`);
    }
  });
  // A scraper or a browser needs a handful; a flood of idle connections must not eat descriptors.
  server.maxConnections = 32;
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(new Error(`cannot serve metrics on ${at.host.includes(':') ? `[${at.host}]` : at.host}:${at.port} (ha.cf metrics): ${e.code ?? e.message}`));
    });
    server.listen(at.port, at.host, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}
