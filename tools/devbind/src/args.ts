/**
 * nic-devbind's command line, dpdk-devbind's options plus `--json`.
 */
import { NicError } from '@nic/eal';
import { GROUP_KEYS } from './classes.js';

/** The parsed command line. */
export interface DevbindArgs {
  /** Group keys to report (`--status`: all; `--status-dev net`: one), undefined for no report. */
  readonly status: readonly string[] | undefined;
  /** Driver to bind to (`-b`/`--bind`); undefined when not binding. `none` means unbind. */
  readonly bind: string | undefined;
  /** `-u`/`--unbind`. */
  readonly unbind: boolean;
  readonly force: boolean;
  readonly json: boolean;
  readonly help: boolean;
  /** The hidden `--sysfs <root>` (tests). */
  readonly sysfs: string | undefined;
  /** Device arguments: addresses, patterns or interface names. */
  readonly devices: readonly string[];
}

/** Options that take a value, by every spelling. */
const VALUE_OPTIONS: Readonly<Record<string, 'bind' | 'statusDev' | 'sysfs'>> = {
  '-b': 'bind',
  '--bind': 'bind',
  '--status-dev': 'statusDev',
  '--sysfs': 'sysfs',
};

function usageError(message: string): NicError {
  return new NicError('NIC_EINVAL', message);
}

/** Parses `argv` (without the program name). Usage mistakes are `NIC_EINVAL`. */
export function parseDevbindArgs(argv: readonly string[]): DevbindArgs {
  const values: { bind?: string; statusDev?: string; sysfs?: string } = {};
  let status = false;
  let unbind = false;
  let force = false;
  let json = false;
  let help = false;
  const devices: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const valueKey = VALUE_OPTIONS[name];
    if (valueKey) {
      // As argparse does, a following option is not taken for the value.
      const next = eq > 0 ? undefined : argv[i + 1];
      const value = eq > 0 ? arg.slice(eq + 1) : next?.startsWith('-') ? undefined : next;
      if (value === undefined || value === '') throw usageError(`option ${name} needs a value`);
      if (eq < 0) i++;
      values[valueKey] = value;
      continue;
    }
    if (eq > 0) throw usageError(`option ${name} takes no value`);
    switch (arg) {
      case '-s':
      case '--status':
        status = true;
        break;
      case '-u':
      case '--unbind':
        unbind = true;
        break;
      case '--force':
        force = true;
        break;
      case '--json':
        json = true;
        break;
      case '-h':
      case '--help':
        help = true;
        break;
      default:
        if (arg.startsWith('-')) throw usageError(`unknown option ${arg}`);
        devices.push(arg);
    }
  }
  if (values.statusDev !== undefined && !GROUP_KEYS.includes(values.statusDev)) {
    throw usageError(`--status-dev: invalid choice "${values.statusDev}" (choose from ${GROUP_KEYS.join(', ')})`);
  }
  if (values.bind !== undefined && unbind) throw usageError('-b/--bind and -u/--unbind cannot be used together');
  const report = status ? GROUP_KEYS : values.statusDev === undefined ? undefined : [values.statusDev];
  const args: DevbindArgs = { status: report, bind: values.bind, unbind, force, json, help, sysfs: values.sysfs, devices };
  if (help) return args;
  if (args.bind === undefined && !unbind && report === undefined) {
    throw usageError('No action specified for devices. Please give a --bind, --unbind or --status option');
  }
  if ((args.bind !== undefined || unbind) && devices.length === 0) throw usageError('No devices specified.');
  return args;
}

/** The `--help` text. */
export function devbindUsage(program: string): string {
  return `Usage: ${program} [options] [DEVICE ...]

Show which PCI devices use a userspace I/O driver (vfio-pci, igb_uio, uio_pci_generic),
and bind devices to a driver or unbind them.

Options:
  -s, --status            show the status of every known device
      --status-dev GROUP  show one group: ${GROUP_KEYS.join(', ')}
  -b, --bind DRIVER       bind DEVICEs to DRIVER ("none" unbinds them)
  -u, --unbind            unbind DEVICEs from their driver
      --force             also act on devices whose network interface is up or routed
                          (this can cut this machine off the network)
      --json              print the status (and what was done) as JSON
  -h, --help              show this text

DEVICE is a PCI address ("0000:01:00.0" or "01:00.0", shell patterns like "01:00.*"),
or the name of a device's network interface.

Exit status: 0 success, 1 a device was refused or an operation failed, 2 usage error.

Examples:
  ${program} --status
  ${program} --bind=vfio-pci 0000:01:00.0
  ${program} -u 01:00.0
`;
}
