// Runs inside the QEMU guest of the hardware-model tier, against two igb functions bound to
// vfio-pci: node guest-scenario.mjs <pci0> <pci1> <frames>
//
// It walks through the steps the host test drives, printing one line per step:
//   READY <json>          ports probed: their MACs
//   LINK <json>           both links up after start (reported by link interrupts)
//   TX-SENT <json>        port 0's counts of the test frames it sent (the host receives them)
//   RX-READY              waiting for n frames on port 0
//   RX-GOT <json>         what port 0 received
//   FWD-READY             forwarding port 0 <-> port 1 (io mode) until n frames went through
//   FWD-DONE <json>       the forwarding counts and both ports' statistics
//   LSC-READY             waiting for link-change events on port 0
//   LSC-DOWN / LSC-UP <json>  the link after each INTR_LSC event
//   RMV-READY             waiting for the removal of port 1's device
//   RMV <json>            INTR_RMV came and the device was detached
//   DONE                  everything released
// Values are JSON. Any failure prints FAIL <message> and exits with 1.
import { init, pktmbufPoolCreate, MbufView } from '@nic/eal';
import {
  configure,
  rxQueueSetup,
  txQueueSetup,
  start,
  stop,
  close,
  rxBurst,
  txBurst,
  statsGet,
  linkGet,
  linkGetNowait,
  macAddrGet,
  portCallbackRegister,
  portIdByName,
  EthEvent,
} from '@nic/ethdev';
import { setImmediate } from 'node:timers';
import { testFrame, TEST_ETHERTYPE } from '@nic/native/testing';
import '@nic/pmd-igb';

const [addr0, addr1, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 64);
const BURST = 32;
const STEP_TIMEOUT_MS = 60_000;

function say(step, value) {
  process.stdout.write(value === undefined ? `${step}\n` : `${step} ${JSON.stringify(value)}\n`);
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function until(what, check) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await tick();
  }
}

const { eal } = await init(['-l', '0', '--iova-mode', 'va', '-m', '128', '-a', addr0, '-a', addr1, '--file-prefix', 'scenario']);
const ports = [portIdByName(addr0, eal), portIdByName(addr1, eal)];
const pool = pktmbufPoolCreate(eal.arena, 'scenario_pool', 4095, 0);
const mbufs = new MbufView(eal.arena);
const handles = new Uint32Array(BURST);

try {
  say('READY', { macs: ports.map((p) => macAddrGet(p)) });

  const lsc = [];
  portCallbackRegister(ports[0], EthEvent.INTR_LSC, () => lsc.push(1), undefined);
  let removed;
  portCallbackRegister(ports[1], EthEvent.INTR_RMV, (port) => (removed = port), undefined);
  for (const port of ports) {
    configure(port, 1, 1, { intrConf: { lsc: true, rmv: true } });
    rxQueueSetup(port, 0, 512, undefined, pool);
    txQueueSetup(port, 0, 512);
    start(port);
  }
  // With link interrupts on, the link is what the last INTR_LSC stored (as in DPDK): wait
  // for autonegotiation to finish and its interrupt to arrive.
  await until('both links up', () => ports.every((p) => linkGetNowait(p).up));
  say('LINK', ports.map((p) => linkGetNowait(p)));

  // tx: count frames out of port 0
  const txBefore = await statsGet(ports[0]);
  for (let tag = 0; tag < count; ) {
    const h = mbufs.alloc(pool);
    const frame = testFrame(tag, 100);
    mbufs.append(h, frame.length);
    eal.arena.u8.set(frame, mbufs.mtod(h));
    handles[0] = h;
    if (txBurst(ports[0], 0, handles, 1) === 1) {
      tag++;
    } else {
      mbufs.free(h);
      await tick();
    }
  }
  // What the device counts as sent (its good-packets-transmitted register), once it has sent them all.
  let txStats = txBefore;
  await until(`port 0 to count ${count} frames sent`, () => {
    txStats = statsGet(ports[0]);
    return txStats.opackets - txBefore.opackets >= count || txStats.oerrors > txBefore.oerrors;
  });
  say('TX-SENT', { opackets: txStats.opackets - txBefore.opackets, oerrors: txStats.oerrors - txBefore.oerrors });

  // rx: count frames into port 0
  say('RX-READY');
  let got = 0;
  let bytes = 0;
  let inOrder = true;
  await until(`${count} frames on port 0`, () => {
    const n = rxBurst(ports[0], 0, handles, BURST);
    for (let i = 0; i < n; i++) {
      const h = handles[i];
      const at = mbufs.mtod(h);
      const u8 = eal.arena.u8;
      if (((u8[at + 12] << 8) | u8[at + 13]) === TEST_ETHERTYPE) {
        if (((u8[at + 14] << 8) | u8[at + 15]) !== got) inOrder = false;
        got++;
        bytes += mbufs.pktLen(h);
      }
    }
    mbufs.freeBulk(handles, n);
    return got >= count;
  });
  say('RX-GOT', { got, bytes, inOrder });

  // io forwarding between the two ports
  const before = await Promise.all(ports.map((p) => statsGet(p)));
  say('FWD-READY');
  let forwarded = 0;
  await until(`${count} frames forwarded`, () => {
    for (const [from, to] of [[0, 1], [1, 0]]) {
      const n = rxBurst(ports[from], 0, handles, BURST);
      if (n === 0) continue;
      const out = txBurst(ports[to], 0, handles, n);
      if (out < n) mbufs.freeBulk(handles, n - out, out);
      forwarded += out;
    }
    return forwarded >= count;
  });
  const after = await Promise.all(ports.map((p) => statsGet(p)));
  say('FWD-DONE', {
    forwarded,
    port0: { ipackets: after[0].ipackets - before[0].ipackets, imissed: after[0].imissed - before[0].imissed },
    port1: { opackets: after[1].opackets - before[1].opackets, oerrors: after[1].oerrors - before[1].oerrors },
  });

  // link-change interrupts: the host takes port 0's link down, then up
  say('LSC-READY');
  for (const want of ['down', 'up']) {
    const seen = lsc.length;
    await until(`link ${want} event`, () => lsc.length > seen);
    const link = await linkGet(ports[0]);
    say(link.up ? 'LSC-UP' : 'LSC-DOWN', link);
  }

  // hot-unplug: the host deletes port 1's device
  say('RMV-READY');
  await until('removal event', () => removed !== undefined);
  await eal.detach(addr1);
  say('RMV', { port: removed, stillThere: ports.map((p) => { try { return portIdByName(p === ports[0] ? addr0 : addr1, eal) === p; } catch { return false; } }) });

  stop(ports[0]);
  close(ports[0]);
  await eal.cleanup();
  say('DONE');
} catch (e) {
  say('FAIL', e instanceof Error ? e.stack ?? e.message : String(e));
  process.exitCode = 1;
  await eal.cleanup().catch(() => undefined);
}
