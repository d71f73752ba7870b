/**
 * nic-vdpa: serves vDPA devices on vhost-user sockets, DPDK's `dpdk-vdpa` example.
 * `nic-vdpa [EAL options] -a <bdf>,vdpa=1 -- --iface /tmp/vdpa- [--client] [-i]`: without
 * `-i` every probed device is served on `<prefix>n` until `q` on stdin, SIGINT or SIGTERM;
 * with `-i` the commands of `commands.ts` are read from stdin. Exit status 0, or 1 on a
 * usage error or a failure.
 */
import '@nic/pci';
import '@nic/intr';
import { createInterface } from 'node:readline';
import { init, parseEalArgs, processCpus, type Eal } from '@nic/eal';
import { vdpaDevices } from '@nic/vdpa';
import { netIfcvfDriver, netIfcvfVirtioDriver } from '@nic/vdpa-ifcvf/driver';
import { PROMPT, runCommand } from './commands.js';
import { parseVdpaArgs, VdpaUsageError, type VdpaAppOptions } from './options.js';
import { VdpaPorts } from './ports.js';
import { vdpaUsage } from './usage.js';

const PROGRAM = 'nic-vdpa';
/** Keeps the event loop alive while serving, whatever stdin does. */
const KEEP_ALIVE_MS = 1 << 30;

const out = (text: string): void => void process.stdout.write(text);
const err = (text: string): void => void process.stderr.write(`${PROGRAM}: ${text}\n`);

function describe(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return `${e instanceof Error ? e.message : String(e)}${typeof code === 'string' ? ` [${code}]` : ''}`;
}

/** Serves until asked to stop; resolves with the exit status. */
function serve(options: VdpaAppOptions, ports: VdpaPorts): Promise<number> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => undefined, KEEP_ALIVE_MS);
    const input = createInterface({ input: process.stdin, terminal: false });
    let done = false;
    const stop = (why: string): void => {
      if (done) return;
      done = true;
      clearInterval(keepAlive);
      input.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      out(`${why}: stopping ${ports.size} vDPA device(s)\n`);
      try {
        ports.closeAll();
        resolve(0);
      } catch (e) {
        err(describe(e));
        resolve(1);
      }
    };
    const onSignal = (signal: NodeJS.Signals): void => stop(signal);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (options.interactive) {
      out(PROMPT);
      input.on('line', (line) => {
        if (done) return;
        const r = runCommand(ports, line);
        out(r.output);
        if (r.quit) stop('quit');
        else out(PROMPT);
      });
      input.on('close', () => stop('end of input'));
      return;
    }
    out("enter 'q' to quit\n");
    input.on('line', (line) => {
      if (line.trim() === 'q') stop('q');
      else out("enter 'q' to quit\n");
    });
  });
}

/** Serves every probed device on `<iface>n`; a failure undoes the sockets already made. */
function serveAll(iface: string, ports: VdpaPorts): void {
  const devices = vdpaDevices();
  if (devices.length === 0) throw new VdpaUsageError('-a', 'no vDPA device was probed: name each with the EAL option -a <bdf>,vdpa=1');
  try {
    devices.forEach((dev, i) => {
      const socket = ports.create(`${iface}${i}`, dev.name);
      out(`serving ${dev.name} on ${socket.path}\n`);
    });
  } catch (e) {
    ports.closeAll();
    throw e;
  }
}

/** Whether EAL's arguments parse and ask for the usage (`-h`, `--help`). */
function ealAsksHelp(args: readonly string[]): boolean {
  try {
    return parseEalArgs(args, { cpus: processCpus() }).options.help;
  } catch {
    return false; // init reports what is wrong with them
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const split = argv.indexOf('--');
  const ealArgs = split < 0 ? argv : argv.slice(0, split);
  // EAL's -h prints its options and exits: the application's follow, as DPDK's usage hook does.
  const stdout = { write: (text: string): boolean => process.stdout.write(`${text}\n${vdpaUsage(PROGRAM)}`) };
  // `nic-vdpa --help` asks for the usage, whatever the application's arguments lack: init prints it and exits.
  if (ealAsksHelp(ealArgs)) await init(ealArgs, { programName: PROGRAM, stdout });
  let options: VdpaAppOptions;
  try {
    options = parseVdpaArgs(split < 0 ? [] : argv.slice(split + 1));
  } catch (e) {
    err(describe(e));
    return 1;
  }
  if (options.help) {
    out(vdpaUsage(PROGRAM));
    return 0;
  }
  let eal: Eal;
  try {
    ({ eal } = await init(ealArgs, { programName: PROGRAM, stdout, drivers: [options.virtioVf ? netIfcvfVirtioDriver : netIfcvfDriver] }));
  } catch (e) {
    err(`EAL: ${describe(e)}`);
    return 1;
  }
  const ports = new VdpaPorts({ client: options.client, log: (line) => out(`${line}\n`) });
  try {
    if (!options.interactive) serveAll(options.iface as string, ports);
    return await serve(options, ports);
  } catch (e) {
    err(describe(e));
    return 1;
  } finally {
    await eal.cleanup().catch((e: unknown) => err(`EAL cleanup: ${describe(e)}`));
  }
}

process.exit(await main(process.argv.slice(2)));
