/**
 * nic-devbind's flow: parse, take the inventory, bind or unbind, report.
 */
import { NicError } from '@nic/eal';
import { devbindUsage, parseDevbindArgs, type DevbindArgs } from './args.js';
import { bindDevice, expandGlobs, findDevice, unbindDevice, type BindOutcome } from './bind.js';
import { isDriverLoaded, takeInventory, type Inventory } from './inventory.js';
import { groupStatus, statusJson, statusText } from './status.js';
import { DEFAULT_SYSFS_ROOT, NIC_SYSFS_ROOT_ENV, type DevbindSystem } from './system.js';

/** Everything went as asked. */
export const EXIT_OK = 0;
/** A device was refused, unknown, or an operation failed. */
export const EXIT_FAILURE = 1;
/** The command line was wrong. */
export const EXIT_USAGE = 2;

const PROGRAM = 'nic-devbind';
/** The `--bind` driver name that means "unbind". */
const NO_DRIVER = 'none';

/** Builds the system view for a sysfs root. */
export type SystemFactory = (sysfsRoot: string) => DevbindSystem;

/**
 * Runs nic-devbind with `argv` (no program name) and returns the exit status. The sysfs root
 * is `--sysfs`, else `$NIC_SYSFS_ROOT`, else `/sys`.
 */
export function runDevbind(argv: readonly string[], makeSystem: SystemFactory, env: NodeJS.ProcessEnv = process.env): number {
  let args: DevbindArgs;
  try {
    args = parseDevbindArgs(argv);
  } catch (e) {
    makeSystem(env[NIC_SYSFS_ROOT_ENV] ?? DEFAULT_SYSFS_ROOT).err(`${PROGRAM}: ${(e as Error).message}\nTry '${PROGRAM} --help'.\n`);
    return EXIT_USAGE;
  }
  const sys = makeSystem(args.sysfs ?? env[NIC_SYSFS_ROOT_ENV] ?? DEFAULT_SYSFS_ROOT);
  if (args.help) {
    sys.out(devbindUsage(PROGRAM));
    return EXIT_OK;
  }
  try {
    return act(sys, args);
  } catch (e) {
    if (!(e instanceof NicError)) throw e;
    sys.err(`Error: ${e.message}\n`);
    return e.code === 'NIC_EINVAL' ? EXIT_USAGE : EXIT_FAILURE;
  }
}

function act(sys: DevbindSystem, args: DevbindArgs): number {
  let inventory = takeInventory(sys);
  for (const skip of inventory.skipped) sys.err(`Warning: skipping ${skip.name}: ${skip.reason}\n`);
  let outcomes: BindOutcome[] | undefined;
  const driver = args.unbind ? NO_DRIVER : args.bind;
  if (driver !== undefined) {
    outcomes = changeBindings(sys, inventory, args, driver);
    inventory = takeInventory(sys);
  }
  const groups = args.status === undefined ? undefined : groupStatus(inventory, args.status);
  if (args.json) {
    sys.out(`${JSON.stringify({ ...(outcomes ? { actions: outcomes } : {}), ...(groups ? statusJson(groups) : {}) }, null, 2)}\n`);
  } else if (groups) {
    sys.out(statusText(groups));
  }
  return outcomes?.some((o) => o.result === 'refused' || o.result === 'failed') ? EXIT_FAILURE : EXIT_OK;
}

function changeBindings(sys: DevbindSystem, inventory: Inventory, args: DevbindArgs, driver: string): BindOutcome[] {
  const unbinding = driver.toLowerCase() === NO_DRIVER;
  if (!unbinding) {
    const looksLikeDevice = inventory.devices.some((d) => d.slot === driver || d.interfaces.includes(driver)) || /^[0-9a-f:.]+\.[0-7]$/i.test(driver);
    if (looksLikeDevice) {
      throw new NicError('NIC_EINVAL', `Driver '${driver}' does not look like a valid driver. Did you forget to specify the driver to bind devices to?`);
    }
    if (!isDriverLoaded(sys, driver)) throw new NicError('NIC_ENOENT', `Driver '${driver}' is not loaded (modprobe ${driver.replace(/-/g, '_')}).`);
  }
  const devices = expandGlobs(args.devices, inventory).map((name) => findDevice(inventory, name));
  if (inventory.routeError !== undefined) sys.err(`Warning: ${inventory.routeError}; only interfaces that are up are protected\n`);
  const outcomes = devices.map((d) => (unbinding ? unbindDevice(sys, d, args.force) : bindDevice(sys, d, driver, args.force)));
  if (!args.json) {
    const prefix: Record<BindOutcome['result'], string> = { done: '', skipped: 'Notice: ', refused: 'Warning: ', failed: 'Error: ' };
    for (const o of outcomes) if (o.result !== 'done') sys.err(`${prefix[o.result]}${o.message}\n`);
  }
  return outcomes;
}
