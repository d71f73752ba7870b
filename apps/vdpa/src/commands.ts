/**
 * nic-vdpa's interactive commands (DPDK's dpdk-vdpa `commands.list`): `help`, `list`,
 * `create <socket> <bdf>`, `stats <bdf> <qid>`, `quit`. Each line gives its output text;
 * a command that fails gives an `error:` line and changes nothing.
 */
import { ALL_VRINGS, type VdpaPorts } from './ports.js';

/** What one command line produced. */
export interface CommandResult {
  readonly output: string;
  /** The line was `quit`. */
  readonly quit?: boolean;
}

/** The prompt of the interactive mode. */
export const PROMPT = 'vdpa> ';

const HELP = `commands:
  help                      this list
  list                      every vDPA device
  create <socket> <bdf>     serve device <bdf> on vhost-user socket <socket>
  stats <bdf> <qid>         counters of vring <qid> (0xffff: every vring)
  quit                      stop every device and exit
`;

const hex = (n: bigint): string => `0x${n.toString(16)}`;

function list(ports: VdpaPorts): string {
  const rows = ports.list();
  if (rows.length === 0) return 'no vDPA device (probe one with the EAL option -a <bdf>,vdpa=1)\n';
  const lines = ['device name      type  queue num  supported features    protocol features     socket'];
  for (const r of rows) lines.push(`${r.name.padEnd(16)} ${r.type.padEnd(5)} ${String(r.queues).padEnd(10)} ${hex(r.features).padEnd(21)} ${hex(r.protocolFeatures).padEnd(21)} ${r.socket ?? '-'}`);
  return `${lines.join('\n')}\n`;
}

/** A queue id: decimal or 0x hex, 0 to 0xffff. */
function parseQid(text: string): number | undefined {
  if (!/^(0x[0-9a-f]{1,4}|\d{1,5})$/i.test(text)) return undefined;
  const n = Number(text);
  return n <= ALL_VRINGS ? n : undefined;
}

function stats(ports: VdpaPorts, name: string, vring: number): string {
  const out = [`Device ${name}:`];
  for (const v of ports.stats(name, vring)) {
    out.push(`  vring ${v.vring}:`);
    for (const c of v.counters) out.push(`    ${c.name.padEnd(24)} ${c.value}`);
  }
  return `${out.join('\n')}\n`;
}

/** Runs one command line against `ports`. */
export function runCommand(ports: VdpaPorts, line: string): CommandResult {
  const words = line.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return { output: '' };
  const [command, ...args] = words;
  const usage = (text: string): CommandResult => ({ output: `error: usage: ${text}\n` });
  try {
    switch (command) {
      case 'help':
        return { output: HELP };
      case 'list':
        return args.length === 0 ? { output: list(ports) } : usage('list');
      case 'create': {
        if (args.length !== 2) return usage('create <socket> <bdf>');
        const socket = ports.create(args[0], args[1]);
        return { output: `serving ${socket.device.name} on ${socket.path}\n` };
      }
      case 'stats': {
        const qid = args.length === 2 ? parseQid(args[1]) : undefined;
        if (qid === undefined) return usage('stats <bdf> <qid> (qid 0 to 0xffff; 0xffff: every vring)');
        return { output: stats(ports, args[0], qid) };
      }
      case 'quit':
        return { output: '', quit: true };
      default:
        return { output: `error: unknown command "${command}" (help lists them)\n` };
    }
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { output: `error: ${e instanceof Error ? e.message : String(e)}${typeof code === 'string' ? ` [${code}]` : ''}\n` };
  }
}
