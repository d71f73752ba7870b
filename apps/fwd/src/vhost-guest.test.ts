/**
 * Hardware-model tier: nic-fwd between a net_vhost port, whose frontend is QEMU with a Linux
 * guest's virtio-net driver, and an af_packet port on one end of a veth pair whose other end
 * is in a network namespace. One boot; the guest runs the agent, so its node sends and counts
 * UDP datagrams with the same tools as the namespace (`udp-send`, `udp-recv`).
 *
 * Accounting: IPv6 is off everywhere and both sides have a permanent neighbour entry for the
 * other, so the only frames are the test's. Every hop's counter is read (the guest's
 * interface and UDP stack, nic-fwd's ports, the veth ends, the namespace's UDP stack, the
 * receivers' counts) and each hop must account exactly for what the one before it passed on:
 * delivered, or dropped where a counter says so.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootGuest, INSTALL_COMMAND, qemuTierMissing, type Guest, type GuestProcess } from '@nic/qemu-tier';
import { netns, vethPair, type Netns, type VethPair } from '@nic/native/testing';
import { lcoreArgs } from '@nic/test-kit/models';
import { asleep, napiOf } from './__fixtures__/asleep.js';
import { BUILT, CLI, until } from './__fixtures__/harness.js';
import { JsonChild, type JsonLine } from './child.js';
import { inNamespace, parseUdpCounters, testbedUnavailable, udpCounters, vethTxDropped, type UdpCounters } from './testbed.js';

const MISSING = qemuTierMissing() ?? testbedUnavailable() ?? (BUILT ? undefined : 'nic-fwd is not built (npm run build -w @nic/fwd)');
if (MISSING !== undefined) console.warn(`\n!!! SKIPPING nic-fwd's vhost guest tests: ${MISSING} (${INSTALL_COMMAND})\n`);

/** A boot under TCG takes 10-40 s on this machine; the deadline leaves room for a loaded one. */
const BOOT_MS = 240_000;
const STEP_MS = 120_000;
const START_MS = 20_000;
/** How often counters are read while waiting for them to settle (each guest read is a command in the guest). */
const READ_MS = 500;
const GUEST_MIB = 512;
const GUEST_MAC = '52:54:00:76:68:66';
const GUEST_IP = '10.78.0.2';
const NS_IP = '10.78.0.1';
const PREFIX = 24;
const PINGS = 5;
/** Datagrams of each stream (64-byte frames): the guest's node sends them in seconds under TCG. */
const DATAGRAMS = 1000;
const UDP_PORT = 9;
/** Rounds of datagrams the guest sends to a sleeping nic-fwd, and the datagrams of one round. */
const ROUNDS = 3;
const ROUND_DATAGRAMS = 10;
/** nic-fwd's ports, in the order of their --vdev options. */
const VHOST = 0;
const WIRE = 1;

const script = (name: string): string => fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url));

/** The parts of a port's counters in nic-fwd's JSON lines the test reads. */
interface PortLine {
  readonly rxPackets: number;
  readonly rxMissed: number;
  readonly txPackets: number;
  readonly txDropped: number;
}

/** nic-fwd's final report, the parts the test reads. */
interface FinalLine {
  readonly ports: PortLine[];
  readonly streams: { readonly rx: number; readonly tx: number; readonly dropped: number }[];
  readonly mbufs: { readonly size: number; readonly available: number };
}

/** The counters of the guest's interface and UDP stack, or of the namespace's veth end and UDP stack. */
interface Side {
  readonly rx: number;
  /** Received frames the interface dropped (guest), or frames the other veth end could not hand over (namespace: the root end's tx_dropped). */
  readonly rxDropped: number;
  readonly tx: number;
  /** Frames the interface could not send (namespace: its veth end's tx_dropped; the guest's virtio_net queues instead). */
  readonly txDropped: number;
  readonly udp: UdpCounters;
}

/** Every counter along the way, at one moment. */
interface Counts {
  readonly ports: readonly PortLine[];
  readonly guest: Side;
  readonly ns: Side;
}

/** How much each counter of `after` (numbers, in objects and arrays) grew since `before`. */
function grown<T extends object>(before: T, after: T): T {
  const b = before as Record<string, unknown>;
  const entries = Object.entries(after).map(([k, v]) => [k, typeof v === 'number' ? v - (b[k] as number) : grown(b[k] as object, v as object)]);
  return (Array.isArray(after) ? entries.map(([, v]) => v) : Object.fromEntries(entries)) as T;
}

/** nic-fwd's port counters in a stats line, the parts the test reads. */
function portLines(stats: JsonLine): PortLine[] {
  return (stats.ports as PortLine[]).map(({ rxPackets, rxMissed, txPackets, txDropped }) => ({ rxPackets, rxMissed, txPackets, txDropped }));
}

/** The last count a `udp-recv` printed in `text`. */
function receivedIn(text: string): number {
  const m = [...text.matchAll(/"received":(\d+)/g)];
  return m.length === 0 ? 0 : Number(m[m.length - 1][1]);
}

describe.skipIf(MISSING !== undefined)('nic-fwd between a QEMU guest (virtio-net on net_vhost) and a network namespace (af_packet)', () => {
  const tag = `nic-fwd-vhg-${process.pid}`;
  const socket = `/tmp/${tag}.sock`;
  let ns: Netns | undefined;
  let veth: VethPair | undefined;
  let guest: Guest | undefined;
  let fwd: JsonChild | undefined;
  /** The guest's virtio-net interface. */
  let guestIf = '';
  let runs = 0;

  /** nic-fwd in io mode between the vhost port and the af_packet port. */
  async function startFwd(...extra: string[]): Promise<JsonChild> {
    const child = new JsonChild(process.execPath, [
      CLI, ...lcoreArgs(2), '--no-pci', '--no-huge', '-m', '256', '--file-prefix', `${tag}-${runs++}`,
      '--vdev', `net_vhost0,iface=${socket}`, '--vdev', `net_af_packet0,iface=${(veth as VethPair).a}`,
      '--', '--forward-mode=io', '--stats-json', '--stats-period=1', ...extra,
    ]);
    await child.waitFor((l) => l.event === 'start', START_MS, 'its start line');
    return child;
  }

  /** A stats line nic-fwd prints after this call. */
  function freshStats(): Promise<JsonLine> {
    const f = fwd as JsonChild;
    const from = f.lines.length;
    return f.waitFor((l) => l.event === 'stats' && f.lines.indexOf(l) >= from, START_MS, 'a stats line');
  }

  async function guestRun(command: string): Promise<string> {
    const r = await (guest as Guest).run(command, { timeoutMs: STEP_MS });
    if (r.code !== 0) throw new Error(`the guest's ${command} failed (${r.code}):\n${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  /** Every counter now, nic-fwd's from `stats`. */
  async function counts(stats: JsonLine): Promise<Counts> {
    const [rx, rxDropped, tx] = (await guestRun(`cd /sys/class/net/${guestIf}/statistics && cat rx_packets rx_dropped tx_packets`)).trim().split(/\s+/).map(Number);
    const snmp = await guestRun('cat /proc/net/snmp');
    const [link] = JSON.parse((ns as Netns).ip('-j', '-s', 'link', 'show', 'dev', (veth as VethPair).b)) as { stats64: { rx: { packets: number }; tx: { packets: number; dropped: number } } }[];
    return {
      ports: portLines(stats),
      guest: { rx, rxDropped, tx, txDropped: 0, udp: parseUdpCounters(snmp) },
      ns: { rx: link.stats64.rx.packets, rxDropped: vethTxDropped(undefined, (veth as VethPair).a), tx: link.stats64.tx.packets, txDropped: link.stats64.tx.dropped, udp: udpCounters((ns as Netns).name) },
    };
  }

  /**
   * Waits until nic-fwd has taken every frame `from` sent since `before` (`sent` of them) and
   * passed each on or dropped it, then until `to` accounts for every frame nic-fwd sent it
   * (received by `arrived()`'s receiver, or dropped where a counter says so). Returns the
   * counters' growth.
   */
  async function settle(before: Counts, from: 'guest' | 'ns', sent: number, arrived: () => number): Promise<Counts> {
    const [inPort, outPort] = from === 'guest' ? [VHOST, WIRE] : [WIRE, VHOST];
    const to = from === 'guest' ? 'ns' : 'guest';
    const stats = await (fwd as JsonChild).waitFor(
      (l) => {
        if (l.event !== 'stats') return false;
        const g = grown(before.ports, portLines(l));
        const [i, o] = [g[inPort], g[outPort]];
        return i.rxPackets + i.rxMissed === sent && o.txPackets + o.txDropped === i.rxPackets;
      },
      STEP_MS,
      'statistics that account for the whole stream',
    );
    const deadline = Date.now() + STEP_MS;
    for (;;) {
      const delta = grown(before, await counts(stats));
      const side = delta[to];
      if (side.rx + side.rxDropped === delta.ports[outPort].txPackets && arrived() + side.udp.InErrors === side.rx) return delta;
      if (Date.now() > deadline) throw new Error(`the ${to} did not account for what nic-fwd sent it within ${STEP_MS} ms: growth ${JSON.stringify(delta)}, ${arrived()} received`);
      await delay(READ_MS);
    }
  }

  beforeAll(async () => {
    ns = netns('nfvg', { ipv6: false });
    veth = await vethPair('nfvg');
    execFileSync('ip', ['link', 'set', veth.b, 'netns', ns.name]);
    ns.ip('link', 'set', 'dev', 'lo', 'up');
    ns.ip('addr', 'add', `${NS_IP}/${PREFIX}`, 'dev', veth.b);
    ns.ip('link', 'set', veth.b, 'up');
    ns.ip('neigh', 'replace', GUEST_IP, 'lladdr', GUEST_MAC, 'dev', veth.b, 'nud', 'permanent');
    // The kernel would leave UDP checksums to the "hardware", and the af_packet port would pass them on unfilled.
    execFileSync(...inNamespace(ns.name, 'ethtool', '-K', veth.b, 'tx', 'off'), { stdio: 'ignore' });
    const [{ address: nsMac }] = JSON.parse(ns.ip('-j', 'link', 'show', 'dev', veth.b)) as { address: string }[];
    // QEMU waits for the backend's socket when it starts: nic-fwd listens first.
    fwd = await startFwd();
    const device = `virtio-net-pci,netdev=vn0,mac=${GUEST_MAC},disable-legacy=on`;
    const extraArgs = ['-chardev', `socket,id=vu0,path=${socket},reconnect-ms=1000`, '-netdev', 'vhost-user,id=vn0,chardev=vu0', '-device', device];
    guest = await bootGuest({ nics: 0, memoryMiB: GUEST_MIB, cpus: 1, hugepages: 0, sharedMemory: { kind: 'memfd' }, extraArgs, timeoutMs: BOOT_MS });
    // The agent's init loads no virtio_net: the test does, with IPv6 off before the interface appears.
    const out = await guestRun(
      [
        'echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6',
        'echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6',
        'modprobe virtio_net',
        `for i in $(seq 100); do for d in /sys/class/net/*; do [ "$(cat $d/address)" = ${GUEST_MAC} ] && IF=\${d##*/}; done; [ -n "$IF" ] && break; sleep 0.1; done`,
        `[ -n "$IF" ] || { echo "no interface with MAC ${GUEST_MAC}"; exit 1; }`,
        `ip addr add ${GUEST_IP}/${PREFIX} dev $IF`,
        'ip link set $IF up',
        `ip neigh replace ${NS_IP} lladdr ${nsMac} dev $IF nud permanent`,
        'echo "IF=$IF"',
      ].join(' && '),
    );
    guestIf = /IF=(\S+)/.exec(out)?.[1] ?? '';
  }, BOOT_MS + 60_000);

  afterAll(async () => {
    await guest?.shutdown();
    await fwd?.stop('SIGKILL');
    veth?.remove();
    ns?.remove();
    rmSync(socket, { force: true });
  });

  /** Until the vhost port's link is up (QEMU connected, the guest's driver ready), pings are lost: waits for one to come back. */
  async function untilPingable(): Promise<void> {
    const deadline = Date.now() + STEP_MS;
    while ((await (guest as Guest).run(`ping -c 1 -W 1 ${NS_IP}`, { timeoutMs: STEP_MS })).code !== 0) {
      if (Date.now() > deadline) throw new Error(`the guest could not ping ${NS_IP} within ${STEP_MS} ms`);
    }
  }

  /** Stops nic-fwd with SIGINT; checks and returns its final report. */
  async function stopFwd(): Promise<FinalLine> {
    const f = fwd as JsonChild;
    fwd = undefined;
    expect(await f.stop('SIGINT')).toBe(0);
    const final = f.last((l) => l.event === 'final') as unknown as FinalLine;
    const [vhost, wire] = final.ports;
    expect(vhost.rxPackets).toBe(wire.txPackets + wire.txDropped);
    expect(wire.rxPackets).toBe(vhost.txPackets + vhost.txDropped);
    for (const s of final.streams) expect(s.rx).toBe(s.tx + s.dropped);
    expect(final.mbufs.available).toBe(final.mbufs.size);
    return final;
  }

  it("the guest's virtio_net pings the namespace through nic-fwd, every frame counted by every party", async () => {
    await untilPingable();
    const before = await counts(await freshStats());
    expect(await guestRun(`ping -c ${PINGS} -i 0.2 -W 5 ${NS_IP}`)).toContain(`${PINGS} packets transmitted, ${PINGS} received`);
    const d = grown(before, await counts(await freshStats()));
    // Requests: guest -> vhost port -> af_packet port -> namespace; replies the other way. Nothing else.
    const each = { rxPackets: PINGS, rxMissed: 0, txPackets: PINGS, txDropped: 0 };
    expect(d.ports).toEqual([each, each]);
    expect([d.guest.tx, d.ns.rx, d.ns.tx, d.guest.rx]).toEqual([PINGS, PINGS, PINGS, PINGS]);
  }, 2 * STEP_MS);

  it(`passes a ${DATAGRAMS}-datagram UDP stream from the guest to the namespace, every datagram accounted for`, async () => {
    const receiver = new JsonChild(...inNamespace((ns as Netns).name, process.execPath, script('udp-recv'), `--port=${UDP_PORT}`));
    try {
      await receiver.waitFor((l) => l.ready === true, START_MS, 'its ready line');
      const before = await counts(await freshStats());
      const out = await guestRun(`node ${script('udp-send')} --to=${NS_IP} --port=${UDP_PORT} --count=${DATAGRAMS}`);
      expect(JSON.parse(out.trim().split('\n').at(-1) as string)).toEqual({ sent: DATAGRAMS, errors: 0 });
      const arrived = (): number => Number(receiver.last((l) => typeof l.received === 'number')?.received ?? 0);
      const d = await settle(before, 'guest', DATAGRAMS, arrived);
      const [vhost, wire] = d.ports;
      console.log(`nic-fwd, guest -> namespace: ${DATAGRAMS} sent, ${vhost.rxPackets} through the vhost port, ${wire.txDropped} dropped by nic-fwd, ${arrived()} received`);
      // guest -> vhost port: the stream and nothing else, all of it
      expect([d.guest.tx, vhost.rxPackets, vhost.rxMissed]).toEqual([DATAGRAMS, DATAGRAMS, 0]);
      // nic-fwd: received = forwarded + counted drops; nothing came back
      expect(wire.txPackets + wire.txDropped).toBe(vhost.rxPackets);
      expect([wire.rxPackets, vhost.txPackets, d.guest.rx]).toEqual([0, 0, 0]);
      // af_packet -> veth -> the namespace's socket: delivered, or counted as dropped
      expect(d.ns.rx + d.ns.rxDropped).toBe(wire.txPackets);
      expect(arrived() + d.ns.udp.InErrors).toBe(d.ns.rx);
      expect([d.ns.udp.NoPorts, d.ns.udp.InCsumErrors]).toEqual([0, 0]);
      expect(arrived()).toBeGreaterThan(0);
    } finally {
      await receiver.stop();
    }
  }, 3 * STEP_MS);

  it(`passes a ${DATAGRAMS}-datagram UDP stream from the namespace to the guest, every datagram accounted for`, async () => {
    const receiver: GuestProcess = (guest as Guest).spawn(`node ${script('udp-recv')} --port=${UDP_PORT}`);
    try {
      await receiver.waitFor(/"ready":true/, STEP_MS);
      const before = await counts(await freshStats());
      const sender = new JsonChild(...inNamespace((ns as Netns).name, process.execPath, script('udp-send'), `--to=${GUEST_IP}`, `--port=${UDP_PORT}`, `--count=${DATAGRAMS}`));
      const { sent, errors } = (await sender.waitFor((l) => typeof l.sent === 'number', STEP_MS, 'its count')) as { sent: number; errors: number };
      expect([sent, errors]).toEqual([DATAGRAMS, 0]);
      const arrived = (): number => receivedIn(receiver.stdout);
      const after = await counts(await freshStats());
      // The namespace's veth end handed each datagram to the root end, or counted it dropped.
      const nsOut = grown(before.ns, after.ns);
      expect(nsOut.tx + nsOut.txDropped).toBe(DATAGRAMS);
      const d = await settle(before, 'ns', nsOut.tx, arrived);
      const [vhost, wire] = d.ports;
      console.log(`nic-fwd, namespace -> guest: ${DATAGRAMS} sent, ${wire.rxPackets} through the af_packet port, ${vhost.txDropped} dropped by nic-fwd (guest ring full), ${d.guest.rxDropped} by the guest's driver, ${d.guest.udp.InErrors} by its socket, ${arrived()} received`);
      // namespace -> af_packet port: received, or counted as missed; the stream and nothing else
      expect(wire.rxPackets + wire.rxMissed).toBe(d.ns.tx);
      // nic-fwd: received = forwarded + counted drops; nothing came back
      expect(vhost.txPackets + vhost.txDropped).toBe(wire.rxPackets);
      expect([vhost.rxPackets, wire.txPackets, d.guest.tx]).toEqual([0, 0, 0]);
      // vhost port -> the guest's virtio_net -> its socket: delivered, or counted as dropped
      expect(d.guest.rx + d.guest.rxDropped).toBe(vhost.txPackets);
      expect(arrived() + d.guest.udp.InErrors).toBe(d.guest.rx);
      expect([d.guest.udp.NoPorts, d.guest.udp.InCsumErrors]).toEqual([0, 0]);
      expect(arrived()).toBeGreaterThan(0);
    } finally {
      receiver.kill('SIGKILL');
      await receiver.done.catch(() => undefined);
    }
  }, 3 * STEP_MS);

  it('stops with every frame accounted for: each port received what the other sent or dropped, every mbuf back', async () => {
    const final = await stopFwd();
    expect(final.ports[VHOST].rxPackets).toBeGreaterThanOrEqual(PINGS + DATAGRAMS);
  }, STEP_MS);

  // Rx interrupts with QEMU kicking: nic-fwd starts again with --rx-interrupts (QEMU reconnects
  // to the new socket); its forwarding lcore sleeps in epoll on the vhost port's kick eventfd
  // (and the af_packet port's socket), and only the guest sends: each round's first datagram
  // is a kick of the guest's transmit vring that wakes the lcore.
  it("sleeps on the vhost port's kicks with --rx-interrupts, and each round the guest sends wakes it and is forwarded exactly", async () => {
    fwd = await startFwd('--rx-interrupts');
    await untilPingable();
    const receiver = new JsonChild(...inNamespace((ns as Netns).name, process.execPath, script('udp-recv'), `--port=${UDP_PORT}`));
    try {
      await receiver.waitFor((l) => l.ready === true, START_MS, 'its ready line');
      const arrived = (): number => Number(receiver.last((l) => typeof l.received === 'number')?.received ?? 0);
      const start = await counts(await freshStats());
      for (let round = 1; round <= ROUNDS; round++) {
        // Asleep with both queues armed and no timeout: only an interrupt wakes it now.
        const before = await asleep(fwd);
        const wireBefore = (await freshStats()).ports as PortLine[];
        const out = await guestRun(`node ${script('udp-send')} --to=${NS_IP} --port=${UDP_PORT} --count=${ROUND_DATAGRAMS}`);
        expect(JSON.parse(out.trim().split('\n').at(-1) as string)).toEqual({ sent: ROUND_DATAGRAMS, errors: 0 });
        await until(() => arrived() >= round * ROUND_DATAGRAMS, STEP_MS, `round ${round}'s datagrams in the namespace`, READ_MS);
        const after = await asleep(fwd);
        const stats = await freshStats();
        // Woken (by the guest's kick: nothing came in on the af_packet port), and it polled exactly this round's datagrams.
        expect(after.wakeups - before.wakeups).toBeGreaterThanOrEqual(1);
        expect(after.packets - before.packets).toBe(ROUND_DATAGRAMS);
        expect((stats.ports as PortLine[])[WIRE].rxPackets - wireBefore[WIRE].rxPackets).toBe(0);
      }
      const d = grown(start, await counts(await freshStats()));
      expect(arrived()).toBe(ROUNDS * ROUND_DATAGRAMS);
      expect([d.guest.tx, d.ports[VHOST].rxPackets, d.ports[WIRE].txPackets, d.ns.rx]).toEqual(new Array(4).fill(ROUNDS * ROUND_DATAGRAMS));
      expect([d.ports[WIRE].rxPackets, d.ports[VHOST].txPackets, d.ports[WIRE].txDropped, d.ns.udp.InErrors]).toEqual([0, 0, 0, 0]);
    } finally {
      await receiver.stop();
    }
    const final = await stopFwd();
    const napi = napiOf(final as unknown as JsonLine);
    console.log(`nic-fwd --rx-interrupts on net_vhost with a QEMU guest: ${ROUNDS} rounds of ${ROUND_DATAGRAMS} datagrams; lcore 1 ${JSON.stringify(napi)}`);
    // Every frame either port received went through lcore 1's NAPI loop.
    expect(napi?.packets).toBe(final.ports[VHOST].rxPackets + final.ports[WIRE].rxPackets);
    expect(napi?.wakeups).toBeGreaterThanOrEqual(ROUNDS);
  }, 4 * STEP_MS);
});
