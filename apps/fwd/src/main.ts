/**
 * nic-fwd: the reference forwarder, nic's testpmd. `nic-fwd [EAL options] -- [options]`:
 * EAL creates the ports, nic-fwd forwards between them on the lcores until SIGINT, SIGTERM or
 * `--duration`, then drains, stops, prints the totals and exits (0; 1 on a usage error or a
 * failure).
 */
import { ports as ethPorts } from '@nic/ethdev';
import { init, type Eal } from '@nic/eal';
import { formatPorts, formatStreams } from './banner.js';
import { buildStreams } from './config.js';
import './drivers.js';
import { Forwarder } from './forwarder.js';
import { FwdUsageError, parseFwdArgs, type FwdOptions } from './options.js';
import { runSession } from './session.js';
import { fwdUsage } from './usage.js';

const PROGRAM = 'nic-fwd';

/** The forwarding lcores the options ask for: worker lcores, or the main one when there is none. */
function forwardingLcores(eal: Eal, options: FwdOptions): number[] {
  const workers = eal.lcores.workerIds();
  const available = workers.length > 0 ? workers : [eal.lcores.mainLcore];
  const wanted = options.nbCores ?? available.length;
  if (wanted > available.length) {
    throw new FwdUsageError('--nb-cores', `${wanted} forwarding lcores asked for, ${available.length} available (-l gives the main lcore and the workers)`);
  }
  return available.slice(0, wanted);
}

/** The ports `--portmask` selects among those EAL created. */
function forwardingPorts(eal: Eal, options: FwdOptions): number[] {
  const all = ethPorts(eal);
  const mask = options.portmask;
  const chosen = mask === undefined ? all : all.filter((p) => p < 32 && (mask & (1 << p)) !== 0);
  if (chosen.length === 0) {
    throw new FwdUsageError(mask === undefined ? '--vdev' : '--portmask', `no port to forward between (EAL created ${all.length}; add --vdev or -a devices)`);
  }
  return chosen;
}

async function run(eal: Eal, options: FwdOptions): Promise<void> {
  const ports = forwardingPorts(eal, options);
  const lcores = forwardingLcores(eal, options);
  const streams = buildStreams(options.forwardMode, options.portTopology, ports, options.rxq);
  const fwd = Forwarder.start({ eal, options, ports, streams, lcores });
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const info = options.statsJson ? log : (line: string): void => void process.stdout.write(`${line}\n`);
  for (const line of [...formatPorts(ports), ...formatStreams(options.forwardMode, ports.length, fwd.streams)]) info(line);
  if (options.statsJson) process.stdout.write(`${JSON.stringify({ event: 'start', mode: options.forwardMode, ports, streams: fwd.streams })}\n`);
  const ready = (): void => info(options.duration === undefined ? 'Forwarding; press Ctrl-C to stop.' : `Forwarding for ${options.duration} s; Ctrl-C stops earlier.`);
  await runSession(fwd, { statsPeriod: options.statsPeriod, statsJson: options.statsJson, duration: options.duration, out: process.stdout, log, ready });
}

async function main(argv: readonly string[]): Promise<number> {
  const split = argv.indexOf('--');
  let options: FwdOptions;
  try {
    options = parseFwdArgs(split < 0 ? [] : argv.slice(split + 1));
  } catch (e) {
    process.stderr.write(`${PROGRAM}: ${(e as Error).message}\n`);
    return 1;
  }
  if (options.help) {
    process.stdout.write(fwdUsage(PROGRAM));
    return 0;
  }
  let eal: Eal;
  try {
    ({ eal } = await init(argv, { programName: PROGRAM }));
  } catch (e) {
    process.stderr.write(`${PROGRAM}: EAL: ${(e as Error).message}\n`);
    return 1;
  }
  try {
    await run(eal, options);
    return 0;
  } catch (e) {
    process.stderr.write(`${PROGRAM}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await eal.cleanup().catch((e: unknown) => process.stderr.write(`${PROGRAM}: EAL cleanup: ${(e as Error).message}\n`));
  }
}

process.exit(await main(process.argv.slice(2)));
