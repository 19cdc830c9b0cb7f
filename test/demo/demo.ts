// `npm run demo` (node --import tsx test/demo/demo.ts): a live failover demo of heartbeat-ts.
// As root with iproute2/iptables/busybox: the network-namespace lab (test/demo/lab-demo.ts), a real VIP and
// a real web server. Otherwise: says what the full demo needs, then runs two nodes on loopback with
// what an ordinary user may do (test/demo/loopback-demo.ts).
//   --loopback   run the loopback demo even as root
import { spawnSync } from 'node:child_process';
import { runLabDemo } from './lab-demo.js';
import { runLoopbackDemo } from './loopback-demo.js';

/** Commands the namespace lab needs (test/install-system-packages.sh installs them). */
const LAB_TOOLS = ['ip', 'iptables', 'busybox', 'ping'];

function missingTools(): string[] {
  return LAB_TOOLS.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
}

async function main(): Promise<number> {
  const wantLoopback = process.argv.includes('--loopback');
  const root = process.getuid?.() === 0;
  const missing = missingTools();
  if (!wantLoopback && root && missing.length === 0) return runLabDemo();
  if (!wantLoopback) {
    const why = [
      ...(root ? [] : ['root (network namespaces, a VIP on eth0, port 80): run it as root, e.g. `sudo npm run demo`']),
      ...(missing.length ? [`these commands: ${missing.join(', ')} (as root: bash test/install-system-packages.sh)`] : []),
    ];
    process.stdout.write(
      'The full demo (a VIP moving between two network namespaces, a real web server, a client) needs:\n' +
        why.map((w) => `  - ${w}\n`).join('') +
        'Running what this user can instead: two heartbeat-ts nodes on loopback (127.0.0.2 and 127.0.0.3, a high UDP\n' +
        'port), a page served on 127.0.0.10 by whichever node holds the resource, a crash and a failback.\n\n',
    );
  }
  return runLoopbackDemo();
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`demo failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
