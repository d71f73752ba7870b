/**
 * nic-vdpa's application options (after `--`), as DPDK's `dpdk-vdpa` takes them:
 * `--iface <prefix>` (socket files `<prefix>0`, `<prefix>1`, ...), `--client`,
 *  `-i`/`--interactive`; and nic's `--virtio-vf` opt-in for QEMU's virtio-net-pci and virtio-blk-pci.
 */

/** What the application arguments ask for. */
export interface VdpaAppOptions {
  /** Socket path prefix; required unless interactive. */
  readonly iface: string | undefined;
  /** Connect to frontends that listen, instead of listening. */
  readonly client: boolean;
  /** Read commands from stdin (`list`, `create`, `stats`, `quit`). */
  readonly interactive: boolean;
  /** Also take QEMU's modern virtio-net-pci and virtio-blk-pci standing in for a VF (net_ifcvf's opt-in driver). */
  readonly virtioVf: boolean;
  readonly help: boolean;
}

/** A malformed application argument, naming it. */
export class VdpaUsageError extends Error {
  readonly option: string;

  constructor(option: string, message: string) {
    super(`${option === '' ? '""' : option}: ${message}`);
    this.name = 'VdpaUsageError';
    this.option = option;
  }
}

/**
 * Longest socket path a Unix socket takes (`sun_path` is 108 bytes with its NUL); the
 * prefix leaves room for a device number of up to four digits.
 */
export const MAX_SOCKET_PATH = 107;
const INDEX_DIGITS = 4;

/** Parses the application arguments. */
export function parseVdpaArgs(args: readonly string[]): VdpaAppOptions {
  let iface: string | undefined;
  let client = false;
  let interactive = false;
  let virtioVf = false;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const flag = (): true => {
      if (inline !== undefined) throw new VdpaUsageError(name, 'takes no value');
      return true;
    };
    switch (name) {
      case '--iface': {
        const value = inline ?? args[++i];
        if (value === undefined || value === '' || value.startsWith('-')) throw new VdpaUsageError(name, 'needs a socket path prefix (--iface /tmp/vdpa-)');
        if (Buffer.byteLength(value) + INDEX_DIGITS > MAX_SOCKET_PATH) throw new VdpaUsageError(name, `"${value}" is too long for a socket path (at most ${MAX_SOCKET_PATH - INDEX_DIGITS} bytes)`);
        iface = value;
        break;
      }
      case '--client':
        client = flag();
        break;
      case '-i':
      case '--interactive':
        interactive = flag();
        break;
      case '--virtio-vf':
        virtioVf = flag();
        break;
      case '-h':
      case '--help':
        help = flag();
        break;
      default:
        throw new VdpaUsageError(arg, 'unknown option (see --help)');
    }
  }
  if (!help && !interactive && iface === undefined) throw new VdpaUsageError('--iface', 'is required unless --interactive is given');
  return { iface, client, interactive, virtioVf, help };
}
