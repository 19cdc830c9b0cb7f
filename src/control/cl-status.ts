// cl_status sub-commands rendered from a StatusView, with the real cl_status's words and exit codes
// (observed on Heartbeat 3.0.6: shared/protocol/BEHAVIOUR.md §4). Pure.
import type { NodeView, StatusView } from './status-view.js';

export interface ClStatusResult {
  readonly out: string;
  readonly err: string;
  readonly code: number;
}

const BAD_NODE: ClStatusResult = { out: 'Error. May be due to incorrect node name\n', err: '', code: 11 };

export const CL_STATUS_USAGE = `Usage: cl_status <sub-command> [<options>] [<parameters>]

Sub-commands:
clientstatus <node-name> <client-id> [<timeout>]
\tShow the status of heartbeat clients.
hblinkstatus <node-name> <link-name>
\tShow the status of a heartbeat link
hbstatus
\tIndicate if heartbeat is running on the local system.
listnodes [<option>]
\tList the nodes in the cluster.
\tOptions:
\t\t-p\tlist only 'ping' type nodes
\t\t-n\tlist only 'normal' type nodes
listhblinks <node-name>
\tList the network interfaces used as hearbeat links.
nodestatus <node-name>
\tList the node status.
nodeweight <node-name>
\tList the node weight.
nodesite <node-name>
\tList the node site.
nodetype <node-name>
\tList the nodes of a given type.
rscstatus
\tShow the status of cluster resources.
hbparameter -p <parameter-name>
\tRetrieve the value of a cluster parameter.
`;

function ok(out: string): ClStatusResult {
  return { out, err: '', code: 0 };
}

function usage(err: string): ClStatusResult {
  return { out: '', err, code: 1 };
}

/** The real one lists ping nodes first and the local node last. */
function ordered(view: StatusView): NodeView[] {
  const ping = view.nodes.filter((n) => n.type === 'ping');
  const others = view.nodes.filter((n) => n.type === 'normal' && n.name !== view.thisNode);
  const self = view.nodes.filter((n) => n.name === view.thisNode);
  return [...ping, ...others, ...self];
}

function findNode(view: StatusView, name: string | undefined): NodeView | undefined {
  if (name === undefined) return undefined;
  const lower = name.toLowerCase();
  return view.nodes.find((n) => n.name === lower || n.name === name);
}

export function clStatus(view: StatusView, argv: readonly string[]): ClStatusResult {
  const [sub, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('-'));
  const args = rest.filter((a) => !a.startsWith('-'));
  switch (sub) {
    case 'hbstatus':
      return ok('Heartbeat is running on this machine.\n');
    case 'listnodes': {
      let nodes = ordered(view);
      if (flags.includes('-p')) nodes = nodes.filter((n) => n.type === 'ping');
      if (flags.includes('-n')) nodes = nodes.filter((n) => n.type === 'normal');
      return ok(nodes.map((n) => `${n.name}\n`).join(''));
    }
    case 'nodestatus': {
      const n = findNode(view, args[0]);
      if (!n) return BAD_NODE;
      return { out: `${n.status}\n`, err: '', code: n.status === 'dead' ? 1 : 0 };
    }
    case 'nodetype': {
      const n = findNode(view, args[0]);
      return n ? ok(`${n.type}\n`) : BAD_NODE;
    }
    case 'nodeweight':
      return findNode(view, args[0]) ? ok('100\n') : BAD_NODE;
    case 'nodesite':
      return findNode(view, args[0]) ? ok('\n') : BAD_NODE;
    case 'listhblinks': {
      const n = findNode(view, args[0]);
      if (!n) return BAD_NODE;
      const verbose = flags.includes('-v');
      return ok(n.links.map((l) => (verbose ? `\t${l.name}\t${l.status}\n` : `\t${l.name}\n`)).join(''));
    }
    case 'hblinkstatus': {
      const n = findNode(view, args[0]);
      if (!n) return BAD_NODE;
      const link = n.links.find((l) => l.name === args[1]);
      if (!link) return { out: '', err: `Error. May be due to incorrect link name\n`, code: 11 };
      return { out: `${link.status}\n`, err: '', code: link.status === 'dead' ? 1 : 0 };
    }
    case 'rscstatus':
      return ok(`${view.rscstatus}\n`);
    case 'hbparameter': {
      const i = rest.indexOf('-p');
      const name = i >= 0 ? rest[i + 1] : undefined;
      if (!name) return usage('hbparameter needs -p <parameter-name>\n');
      const value = view.parameters[name];
      if (value === undefined) return { out: '', err: `ERROR: Cannot get parameter ${name}\n`, code: 1 };
      return ok(`${value}\n`);
    }
    case 'clientstatus':
      // Built-in modules (ipfail) are not API clients here; the real one times out with 13 too.
      return { out: '', err: `ERROR: Cannot get heartbeat client ${args[1] ?? ''}'s status\n`, code: 13 };
    default:
      return usage(sub === undefined ? CL_STATUS_USAGE : `ERROR: ${sub}: invalid sub-command.\n${CL_STATUS_USAGE}`);
  }
}
