// Runs inside the QEMU guest of the hardware-model tier, against one igb function bound to
// uio_pci_generic: node uio-lsc.mjs <pci>
//
// The port runs with link-change interrupts on; its interrupt is the function's INTx line,
// which uio_pci_generic signals on /dev/uioN. The interrupt thread's and the driver's debug
// logs, and what the application's INTR_LSC callback sees, are printed as they happen, one
// `TRACE <logtype> <message>` line each (the callback's logtype is `app`), so that the host
// can check the order of each interrupt's steps. Steps:
//   READY <json>           the port started with its link up: its MAC and /dev/uioN
//   LSC-READY              waiting for the host to take the link down, then up
//   LSC-DOWN / LSC-UP <json>  the link after each INTR_LSC event
//   DONE                   port closed, EAL cleaned up
// Any failure prints FAIL <message> and exits with 1.
import { readdirSync, readFileSync } from 'node:fs';
import { setImmediate } from 'node:timers';
import { init, pktmbufPoolCreate, setLogSink } from '@nic/eal';
import { close, configure, EthEvent, linkGetNowait, macAddrGet, portCallbackRegister, portIdByName, rxQueueSetup, start, stop, txQueueSetup } from '@nic/ethdev';
import '@nic/pmd-igb';

const [addr] = process.argv.slice(2);
const STEP_TIMEOUT_MS = 120_000;
/** PCI config space: the Command register's high byte and its INTx-Disable bit (bit 10). */
const COMMAND_HIGH_BYTE = 5;
const INTX_DISABLE = 0x4;

const say = (step, value) => process.stdout.write(value === undefined ? `${step}\n` : `${step} ${JSON.stringify(value)}\n`);
const trace = (type, message) => process.stdout.write(`TRACE ${type} ${message}\n`);
const tick = () => new Promise((resolve) => setImmediate(resolve));

async function until(what, check) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await tick();
  }
}

const device = `/sys/bus/pci/devices/${addr}`;
const uio = readdirSync(`${device}/uio`).find((name) => /^uio\d+$/.test(name));
/** Whether the kernel holds the function's INTx line masked (Command.INTx-Disable), read from sysfs. */
const intxDisabled = () => (readFileSync(`${device}/config`)[COMMAND_HIGH_BYTE] & INTX_DISABLE) !== 0;
/** Interrupts uio has counted for the function. */
const uioEvents = () => Number(readFileSync(`/sys/class/uio/${uio}/event`, 'utf8'));

setLogSink((record) => trace(record.type, record.message));
const { eal } = await init(['-l', '0', '-m', '64', '--iova-mode', 'pa', '-a', addr, '--file-prefix', 'uio-lsc', '--log-level', 'eal.intr:debug', '--log-level', 'pmd.net.igb.intr:debug']);
try {
  const port = portIdByName(addr, eal);
  const pool = pktmbufPoolCreate(eal.arena, 'uio_lsc_pool', 1023, 0);
  let events = 0;
  portCallbackRegister(
    port,
    EthEvent.INTR_LSC,
    () => {
      events++;
      trace('app', `INTR_LSC ${JSON.stringify({ intxDisabled: intxDisabled(), uioEvents: uioEvents() })}`);
    },
    undefined,
  );
  configure(port, 1, 1, { intrConf: { lsc: true } });
  rxQueueSetup(port, 0, 256, undefined, pool);
  txQueueSetup(port, 0, 256);
  start(port);
  // With link interrupts on, the link is what the last INTR_LSC stored: autonegotiation's end
  // comes as the first interrupt.
  await until('the link up', () => linkGetNowait(port).up);
  say('READY', { mac: macAddrGet(port), uio });

  say('LSC-READY');
  for (const want of ['down', 'up']) {
    const seen = events;
    await until(`link ${want} event`, () => events > seen);
    const link = linkGetNowait(port);
    say(link.up ? 'LSC-UP' : 'LSC-DOWN', link);
  }
  stop(port);
  close(port);
  await eal.cleanup();
  say('DONE');
} catch (e) {
  say('FAIL', e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
  await eal.cleanup().catch(() => undefined);
}
