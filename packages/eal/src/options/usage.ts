/**
 * The `-h`/`--help` text of EAL's command line.
 */
import { MAX_LCORE } from './lcores.js';
import { DEFAULT_FILE_PREFIX, MAX_NUMA_NODES } from './parse.js';

/**
 * The usage text of EAL's options for a program called `prgname`, grouped as DPDK groups them
 * (lcores, devices, memory, logging, other), ending with a newline. Application options go
 * after `--` and are the application's to describe.
 */
export function ealUsage(prgname: string): string {
  if (typeof prgname !== 'string') throw new TypeError(`prgname must be a string, got ${typeof prgname}`);
  return `Usage: ${prgname} [EAL options] -- [application options]

Lcore options:
  -l, --lcores LIST      Lcores to run, and optionally the CPUs each runs on.
                         LIST is a comma list of lcores[@cpus] items, where each side is
                         a number, a range a-b, or a group (a,b-c). Examples:
                           -l 0-3           lcores 0..3 on CPUs 0..3
                           -l 0,2@(4-5)     lcore 0 on CPU 0, lcore 2 on CPUs 4 and 5
                           -l (0-3)@1       lcores 0..3 all on CPU 1
                         Lcore ids are below ${MAX_LCORE}; CPUs must be ones this process
                         may run on (its affinity, e.g. from taskset). Default: one lcore
                         per CPU of that set, numbered as the CPU.
  -c MASK                Hexadecimal mask of lcores (0x3 = lcores 0 and 1), each on the
                         CPU of the same number. Prefer -l; not with -l.
  --main-lcore ID        Lcore the main thread plays (default: the lowest lcore).

Device options:
  -a, --allow DEV        Use only the listed devices (repeatable). DEV is a device name
                         with optional driver arguments, e.g. 0000:01:00.0,key=value,
                         or bus=pci,addr=01:00.0/driver=net_igb,key=value.
  -b, --block DEV        Leave this device alone (repeatable). Not with -a.
  --vdev NAME[,ARGS]     Create a virtual device with its driver's arguments
                         (repeatable), e.g. --vdev net_ring0 --vdev net_tap0,iface=t0.
  --no-pci               Do not scan or use PCI devices.
  -d PACKAGE|PATH        Load a driver package or file before probing (repeatable).

Memory options:
  -m MB                  Memory to reserve at start, in MiB.
  --socket-mem MB[,MB]   Memory to reserve on each NUMA socket, in MiB, socket 0 first
                         (up to ${MAX_NUMA_NODES} sockets). Not with -m or --no-huge.
  -n NUM                 Number of memory channels per socket.
  --no-huge              Use ordinary locked memory instead of hugepages.
  --huge-dir DIR         Hugetlbfs mount to take hugepages from.
  --file-prefix NAME     Name of this instance's runtime files (default: ${DEFAULT_FILE_PREFIX});
                         instances running side by side need different names.
  --in-memory            Keep everything in memory; create no shared files.
  --iova-mode pa|va      Give devices physical (pa) or virtual (va) addresses for DMA.

Telemetry options:
  --no-telemetry         Serve no telemetry socket (by default dpdk_telemetry.v2 in the
                         runtime directory, which dpdk-telemetry.py -f PREFIX reads).
  --telemetry            Serve it (the default).

Logging options:
  --log-level LEVEL      Global log level (repeatable, later settings win).
  --log-level GLOB:LEVEL Level for the logtypes matching a glob, e.g. pmd.net.*:debug.
  --log-level REGEX,LEVEL  Same, with a regular expression.
                         LEVEL: 1-8 or emerg, alert, crit, err, warning, notice,
                         info, debug.

Other options:
  -v, --version          Report the version at start.
  -h, --help             Show this text.
`;
}
