/**
 * Hardware-model tier: QEMU as the vhost-user frontend of net_vhost, and a live migration
 * between two QEMU instances on two net_vhost ports.
 *
 * A standalone guest (no 9p root, so QEMU lets it migrate) with a virtio-net-pci device on a
 * vhost-user chardev of net_vhost port `src`. The test forwards between the vhost ports and an
 * af_packet port on one end of a veth pair whose other end is in a network namespace, so the
 * host kernel there pings the guest kernel through net_vhost: ARP and ICMP both ways, counted
 * by every party. Then the guest migrates (RAM in files on /dev/shm, bandwidth throttled so it
 * lasts seconds) to a second QEMU (`-incoming`, `-S`) on port `dst` while the namespace pings
 * it, so the backend keeps writing guest memory under QEMU's dirty log; once the migration is
 * complete both guests are frozen and their RAM files must not differ in one page. The
 * destination then runs: QEMU's SEND_RARP makes net_vhost announce the guest's MAC, and the
 * guest answers pings through `dst`. One boot; the destination only loads what arrives.
 *
 * Measured: with the backend's logging switched off by hand, the RAM files still came out equal
 * (two runs): QEMU converges right after its first pass over RAM, which reaches the guest's rx
 * buffers near its end, and the guest zeroes each buffer page when it allocates it (a vCPU
 * write QEMU tracks itself), so few backend writes land on pages already sent. The comparison
 * is a consistency check of the whole migration; that every page the backend writes is logged
 * is proved by the unit-level oracle in @nic/vhost (`dirty-log.test.ts`).
 *
 * Between the two, the backend-to-frontend channel with QEMU as the real frontend: QEMU gives a
 * channel (SET_BACKEND_REQ_FD), maps a page of the backend's as the host notifier of the guest's
 * transmit vring (the device has `page-per-vq=on`, one notify page per vring, as QEMU requires),
 * and the guest kernel's kicks land in that page.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { closeFd, mapFd } from '@nic/native';
import { MbufView, type Eal } from '@nic/eal';
import { configure, linkGetNowait, portIdByName, rxBurst, rxQueueSetup, start, statsGet, txBurst, txQueueSetup } from '@nic/ethdev';
import { netAfPacketDriver } from '@nic/pmd-af-packet/driver';
import { bootGuest, INSTALL_COMMAND, qemuTierMissing, STANDALONE_READY, type Guest } from '@nic/qemu-tier';
import { harnessEal, harnessPool } from '@nic/test-kit';
import { kernelTierMissing, netns, until, vethPair, type Netns, type VethPair } from '@nic/native/testing';
import { ETHERTYPE_RARP, Feature, ProtocolFeature, bit } from '@nic/vhost';
import { guestFile } from '@nic/vhost/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { netVhostDriver } from './driver.js';
import { vhostSocket } from './ports.js';

const MISSING = qemuTierMissing() ?? kernelTierMissing('net_vhost guest');
if (MISSING !== undefined) console.warn(`\n!!! SKIPPING the net_vhost QEMU guest tests: ${MISSING} (${INSTALL_COMMAND})\n`);

/** A boot under TCG takes 10-40 s on this machine; the deadline leaves room for a loaded one. */
const BOOT_MS = 240_000;
const STEP_MS = 60_000;
/** The smallest guest bootGuest makes: less RAM to migrate and to compare. */
const GUEST_MIB = 256;
const GUEST_MAC = '52:54:00:76:68:67';
const GUEST_IP = '10.77.0.2';
const HOST_IP = '10.77.0.1';
const PREFIX = 24;
const PINGS = 5;
/** Migration bandwidth: the guest's 70 MiB of non-zero pages then take a few seconds. */
const MIGRATE_BYTES_PER_S = 16 * 1024 * 1024;
/** The namespace's ping interval while the guest migrates: the backend writes guest memory all along. */
const FLOOD_INTERVAL_S = '0.01';
const PAGE = 4096;
const BURST = 32;
/** How often the forwarder polls when idle (a timer, not a busy loop: QEMU needs the CPUs). */
const POLL_MS = 1;
const QMP_POLL_MS = 100;

/** What QMP `query-migrate` says (the parts used). */
interface MigrationInfo {
  readonly status: string;
  readonly 'error-desc'?: string;
}

/** The guest's only job: bring its virtio-net interface up with an address, then idle. */
const STANDALONE_SCRIPT = `
for i in $(seq 200); do
  for d in /sys/class/net/*; do [ "$(cat $d/address)" = ${GUEST_MAC} ] && IF=\${d##*/}; done
  [ -n "$IF" ] && break
  sleep 0.1
done
[ -n "$IF" ] || { echo "no interface with MAC ${GUEST_MAC}"; exit 1; }
echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6
ip addr add ${GUEST_IP}/${PREFIX} dev $IF || exit 1
ip link set $IF up || exit 1
echo "${STANDALONE_READY}"
while :; do sleep 3600; done
`;

/** QEMU's virtio-net-pci on a vhost-user chardev at `socket` (QEMU connects; net_vhost listens). */
function vhostUserArgs(socket: string): string[] {
  return ['-chardev', `socket,id=vu0,path=${socket},reconnect-ms=1000`, '-netdev', 'vhost-user,id=vn0,chardev=vu0', '-device', `virtio-net-pci,netdev=vn0,mac=${GUEST_MAC},disable-legacy=on,page-per-vq=on`];
}

/** The guest pages (4 KiB) in which files `a` and `b` differ. */
function differingPages(a: string, b: string): number[] {
  const chunk = 1 << 20;
  const bufA = Buffer.alloc(chunk);
  const bufB = Buffer.alloc(chunk);
  const fa = openSync(a, 'r');
  const fb = openSync(b, 'r');
  const pages: number[] = [];
  try {
    for (let pos = 0; ; pos += chunk) {
      const na = readSync(fa, bufA, 0, chunk, pos);
      const nb = readSync(fb, bufB, 0, chunk, pos);
      if (na !== nb) throw new Error(`${a} and ${b} differ in length at ${pos}`);
      if (na === 0) return pages;
      for (let off = 0; off < na; off += PAGE) {
        if (bufA.compare(bufB, off, off + PAGE, off, off + PAGE) !== 0) pages.push((pos + off) / PAGE);
      }
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

/**
 * `ping` in the namespace; resolves with how many replies came. Asynchronous: the forwarder
 * runs on this thread's event loop.
 */
function ping(ns: Netns, count: number, size = 56): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns.name, 'ping', '-s', String(size), '-c', String(count), '-i', '0.2', '-W', '10', GUEST_IP], { encoding: 'utf8', timeout: STEP_MS }, (_error, stdout, stderr) => {
      const m = stdout.match(/(\d+) received/);
      if (m) resolve(Number(m[1]));
      else reject(new Error(`no ping summary in:\n${stdout}${stderr}`));
    });
  });
}

/** The kernel's packet counters of `ifname` in `ns`. */
function kernelCounts(ns: Netns, ifname: string): { rx: number; tx: number } {
  const [link] = JSON.parse(ns.ip('-j', '-s', 'link', 'show', 'dev', ifname)) as { stats64: { rx: { packets: number }; tx: { packets: number } } }[];
  return { rx: link.stats64.rx.packets, tx: link.stats64.tx.packets };
}

describe.skipIf(MISSING !== undefined)('net_vhost with QEMU guests (virtio-net-pci on vhost-user)', () => {
  const tag = `nic-vhost-guest-${process.pid}`;
  const sockets = { src: `/tmp/${tag}-src.sock`, dst: `/tmp/${tag}-dst.sock`, migration: `/tmp/${tag}-mig.sock` };
  const ram = { src: `/dev/shm/${tag}-src.ram`, dst: `/dev/shm/${tag}-dst.ram` };
  let eal: Eal | undefined;
  let ns: Netns | undefined;
  let veth: VethPair | undefined;
  let source: Guest | undefined;
  let destination: Guest | undefined;
  const ports = { src: -1, dst: -1, wire: -1 };
  /** What the forwarder saw: RARP frames from each vhost port, frames it could not place. */
  const seen = { rarpFrom: [] as { port: number; mac: string }[], unplaced: 0, loggingSeen: false, enqueuedWhileLogging: 0 };
  let forwarding = true;
  let forwarder: Promise<void> = Promise.resolve();
  let forwardError: unknown;

  /** Moves frames: the wire to whichever vhost port's link is up, every vhost port to the wire. */
  async function forward(mbufs: MbufView): Promise<void> {
    const handles = new Uint32Array(BURST);
    const u8 = mbufs.arena.u8;
    const src = vhostSocket(ports.src).device;
    while (forwarding) {
      for (const vhost of [ports.src, ports.dst]) {
        const n = rxBurst(vhost, 0, handles, BURST);
        for (let i = 0; i < n; i++) {
          const data = mbufs.bufAddr(handles[i]) + mbufs.dataOff(handles[i]);
          if (((u8[data + 12] << 8) | u8[data + 13]) === ETHERTYPE_RARP) {
            seen.rarpFrom.push({ port: vhost, mac: Buffer.from(u8.subarray(data + 6, data + 12)).toString('hex').replace(/(..)(?!$)/g, '$1:') });
          }
        }
        const sent = txBurst(ports.wire, 0, handles, n);
        seen.unplaced += n - sent;
        mbufs.freeBulk(handles, n - sent, sent);
      }
      const n = rxBurst(ports.wire, 0, handles, BURST);
      const to = linkGetNowait(ports.dst).up ? ports.dst : ports.src;
      const logging = src.running && src.has(Feature.F_LOG_ALL) && src.log !== undefined;
      const sent = linkGetNowait(to).up ? txBurst(to, 0, handles, n) : 0;
      if (logging) {
        seen.loggingSeen = true;
        if (to === ports.src) seen.enqueuedWhileLogging += sent;
      }
      seen.unplaced += n - sent;
      mbufs.freeBulk(handles, n - sent, sent);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  beforeAll(async () => {
    ns = netns('nvhg', { ipv6: false });
    veth = await vethPair('nvhg');
    ns.ip('link', 'set', 'dev', 'lo', 'up');
    execFileSync('ip', ['link', 'set', veth.b, 'netns', ns.name]);
    ns.ip('addr', 'add', `${HOST_IP}/${PREFIX}`, 'dev', veth.b);
    ns.ip('link', 'set', veth.b, 'up');
    eal = await harnessEal('pmd-vhost-guest', ['--vdev', `net_vhost0,iface=${sockets.src}`, '--vdev', `net_vhost1,iface=${sockets.dst}`, '--vdev', `net_af_packet0,iface=${veth.a}`], [netVhostDriver, netAfPacketDriver]);
    ports.src = portIdByName('net_vhost0');
    ports.dst = portIdByName('net_vhost1');
    ports.wire = portIdByName('net_af_packet0');
    const pool = harnessPool(eal, 4095);
    for (const port of Object.values(ports)) {
      configure(port, 1, 1);
      rxQueueSetup(port, 0, 0, undefined, pool);
      txQueueSetup(port, 0, 0);
      start(port);
    }
    forwarder = forward(new MbufView(eal.arena)).catch((e: unknown) => {
      forwardError = e;
    });
    source = await bootGuest({ nics: 0, memoryMiB: GUEST_MIB, cpus: 1, hugepages: 0, sharedMemory: { kind: 'file', path: ram.src }, standaloneScript: STANDALONE_SCRIPT, extraArgs: vhostUserArgs(sockets.src), timeoutMs: BOOT_MS });
  }, BOOT_MS + 30_000);

  afterAll(async () => {
    await source?.shutdown();
    await destination?.shutdown();
    forwarding = false;
    await forwarder;
    await eal?.cleanup();
    veth?.remove();
    ns?.remove();
    for (const path of [...Object.values(ram), ...Object.values(sockets)]) rmSync(path, { force: true });
  });

  it('the guest kernel\'s virtio_net answers ARP and pings through net_vhost, every frame counted by every party', async () => {
    await until('the source port\'s link', () => linkGetNowait(ports.src).up, STEP_MS);
    expect(forwardError).toBeUndefined();
    const wireBefore = kernelCounts(ns as Netns, (veth as VethPair).b);
    const replies = await ping(ns as Netns, PINGS);
    expect(replies).toBe(PINGS);
    const vhost = statsGet(ports.src);
    const wire = statsGet(ports.wire);
    const kernel = kernelCounts(ns as Netns, (veth as VethPair).b);
    // Echo replies (and the guest's ARP reply) came out of the guest; requests went in.
    expect(vhost.ipackets).toBeGreaterThanOrEqual(PINGS);
    expect(vhost.opackets).toBeGreaterThanOrEqual(PINGS);
    expect(vhost.ierrors).toBe(0);
    expect(seen.unplaced).toBe(0);
    // Everything the namespace sent reached the guest, and everything the guest sent reached the namespace.
    expect(wire.ipackets).toBe(kernel.tx);
    expect(vhost.opackets).toBe(wire.ipackets);
    expect(wire.opackets).toBe(vhost.ipackets);
    expect(kernel.rx - wireBefore.rx).toBe(vhost.ipackets);
  }, 2 * STEP_MS);

  it("QEMU maps a host notifier the backend offers, and the guest kernel's kicks land in the backend's page", async () => {
    const device = vhostSocket(ports.src).device;
    const needed = bit(ProtocolFeature.BACKEND_REQ) | bit(ProtocolFeature.BACKEND_SEND_FD) | bit(ProtocolFeature.HOST_NOTIFIER) | bit(ProtocolFeature.REPLY_ACK);
    expect(device.protocolFeatures & needed).toBe(needed);
    const channel = device.backendChannel();
    const { fds } = guestFile(PAGE, 2);
    const page = mapFd(fds[1], { length: PAGE, writable: true });
    closeFd(fds[1]);
    const doorbell = new Uint16Array(page.buffer, 0, 1);
    doorbell[0] = 0xffff;
    try {
      // QEMU maps the page over vring 1's notify area and acknowledges (REPLY_ACK): 0 is done.
      await channel.hostNotifier(1, { fd: fds[0], offset: 0, size: PAGE });
      // Let the guest kick its transmit vring, and make it send: its kick writes the vring index.
      expect(device.vrings[1].guestNotification(true)).toBe(true);
      expect(await ping(ns as Netns, 2)).toBe(2);
      await until("the guest's kick in the backend's page", () => Atomics.load(doorbell, 0) === 1, STEP_MS);
      expect(device.vrings[1].guestNotification(false)).toBe(true);
      await channel.hostNotifier(1);
      // QEMU's vhost-user-net has no handler for a config change: it answers with a failure.
      const config = await channel.configChange().then(() => 'acknowledged', (e: Error) => e.message);
      console.log(`net_vhost guest: CONFIG_CHANGE_MSG: ${config}`);
      expect(config).toContain('refused');
    } finally {
      page.unmap();
      closeFd(fds[0]);
    }
  }, 2 * STEP_MS);

  it('migrates to a second QEMU on another port while the backend writes under the dirty log: RAM files equal, RARP announced, traffic carries on', async () => {
    const src = source as Guest;
    destination = await bootGuest({ nics: 0, memoryMiB: GUEST_MIB, cpus: 1, hugepages: 0, sharedMemory: { kind: 'file', path: ram.dst }, standaloneScript: STANDALONE_SCRIPT, incoming: `unix:${sockets.migration}`, extraArgs: [...vhostUserArgs(sockets.dst), '-S'], timeoutMs: BOOT_MS });
    const dst = destination;
    const flood = spawn('ip', ['netns', 'exec', (ns as Netns).name, 'ping', '-q', '-i', FLOOD_INTERVAL_S, GUEST_IP], { stdio: 'ignore' });
    try {
      await src.qmp('migrate-set-parameters', { 'max-bandwidth': MIGRATE_BYTES_PER_S });
      const started = Date.now();
      await src.qmp('migrate', { uri: `unix:${sockets.migration}` });
      for (;;) {
        const info = await src.qmp<MigrationInfo>('query-migrate');
        if (info.status === 'completed') break;
        if (info.status === 'failed' || info.status === 'cancelled') throw new Error(`the migration ${info.status}: ${info['error-desc'] ?? ''}`);
        await new Promise((r) => setTimeout(r, QMP_POLL_MS));
      }
      console.log(`net_vhost guest: migration took ${Date.now() - started} ms; the backend wrote ${seen.enqueuedWhileLogging} packets into the guest while logging`);
    } finally {
      flood.kill('SIGINT');
    }
    for (;;) {
      const { status } = await dst.qmp<{ status: string }>('query-status');
      if (status === 'paused') break;
      if (status !== 'inmigrate') throw new Error(`the destination is ${status}`);
      await new Promise((r) => setTimeout(r, QMP_POLL_MS));
    }
    // The source stopped its vhost device (GET_VRING_BASE) and the destination has not started
    // its own: both guests are frozen, and the backend wrote the source's memory while logging.
    expect(seen.loggingSeen).toBe(true);
    expect(seen.enqueuedWhileLogging).toBeGreaterThan(0);
    expect(linkGetNowait(ports.src).up).toBe(false);
    expect(differingPages(ram.src, ram.dst)).toEqual([]);

    await dst.qmp('cont');
    await until('the destination port\'s link', () => linkGetNowait(ports.dst).up, STEP_MS);
    await until('a RARP announcement from the destination port', () => seen.rarpFrom.some((r) => r.port === ports.dst), STEP_MS);
    expect(seen.rarpFrom.filter((r) => r.port === ports.dst).map((r) => r.mac)).toContain(GUEST_MAC);
    expect(seen.rarpFrom.filter((r) => r.port === ports.src)).toEqual([]);
    const before = statsGet(ports.dst);
    expect(await ping(ns as Netns, PINGS)).toBe(PINGS);
    expect(statsGet(ports.dst).ipackets - before.ipackets).toBeGreaterThanOrEqual(PINGS);
  }, BOOT_MS + 4 * STEP_MS);
});

/** One guest configuration of the rings: QEMU's device properties, queue pairs, vCPUs, a backend restart. */
interface RingsCase {
  readonly name: string;
  /** virtio-net-pci properties after the common ones. */
  readonly device: string;
  readonly queues: number;
  /** vCPUs: the guest's virtio_net enables as many queue pairs as it has CPUs. */
  readonly cpus: number;
  /** Whether the backend (the whole EAL with its ports) stops and starts again while QEMU runs. */
  readonly restart: boolean;
}

/**
 * The ring variants, one boot each: packed rings without mergeable buffers on two queue pairs
 * (the forwarder sends to the guest on both queues by turns), and split rings across a restart
 * of the backend (QEMU's chardev reconnects; the split ring's position comes back from the used
 * ring in guest memory). Each: pings both ways of 56 and 1400 bytes, every frame counted by the
 * namespace's kernel, the af_packet port and the vhost port, per queue.
 */
const RINGS_CASES: readonly RingsCase[] = [
  { name: 'packed rings, no mergeable buffers, two queue pairs', device: 'packed=on,mrg_rxbuf=off,mq=on,vectors=6', queues: 2, cpus: 2, restart: false },
  { name: 'split rings across a backend restart (QEMU reconnects)', device: '', queues: 1, cpus: 1, restart: true },
];

describe.skipIf(MISSING !== undefined).each(RINGS_CASES)('net_vhost with a QEMU guest: $name', (c) => {
  const tag = `nic-vhost-rings-${process.pid}-${c.queues}`;
  const socket = `/tmp/${tag}.sock`;
  const ram = `/dev/shm/${tag}.ram`;
  let eal: Eal | undefined;
  let ns: Netns | undefined;
  let veth: VethPair | undefined;
  let guest: Guest | undefined;
  const ports = { vhost: -1, wire: -1 };
  let forwarding = false;
  let forwarder: Promise<void> = Promise.resolve();
  let forwardError: unknown;
  let unplaced = 0;

  /** Moves frames between the vhost port (all its queues) and the wire, sending to the guest on its queues by turns. */
  async function forward(mbufs: MbufView): Promise<void> {
    const handles = new Uint32Array(BURST);
    let turn = 0;
    while (forwarding) {
      for (let q = 0; q < c.queues; q++) {
        const n = rxBurst(ports.vhost, q, handles, BURST);
        const sent = txBurst(ports.wire, 0, handles, n);
        unplaced += n - sent;
        mbufs.freeBulk(handles, n - sent, sent);
      }
      const n = rxBurst(ports.wire, 0, handles, BURST);
      if (n > 0) {
        const q = turn++ % c.queues;
        const sent = linkGetNowait(ports.vhost).up ? txBurst(ports.vhost, q, handles, n) : 0;
        unplaced += n - sent;
        mbufs.freeBulk(handles, n - sent, sent);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Starts the backend: an EAL with the vhost port (server socket) and the af_packet port, and the forwarder. */
  async function startBackend(): Promise<void> {
    eal = await harnessEal(`pmd-vhost-rings-${c.queues}`, ['--vdev', `net_vhost0,iface=${socket},queues=${c.queues}`, '--vdev', `net_af_packet0,iface=${(veth as VethPair).a}`], [netVhostDriver, netAfPacketDriver]);
    ports.vhost = portIdByName('net_vhost0');
    ports.wire = portIdByName('net_af_packet0');
    const pool = harnessPool(eal, 4095);
    configure(ports.vhost, c.queues, c.queues);
    for (let q = 0; q < c.queues; q++) {
      rxQueueSetup(ports.vhost, q, 0, undefined, pool);
      txQueueSetup(ports.vhost, q, 0);
    }
    configure(ports.wire, 1, 1);
    rxQueueSetup(ports.wire, 0, 0, undefined, pool);
    txQueueSetup(ports.wire, 0, 0);
    start(ports.vhost);
    start(ports.wire);
    forwarding = true;
    forwarder = forward(new MbufView(eal.arena)).catch((e: unknown) => {
      forwardError = e;
    });
  }

  /** Stops the forwarder and the EAL: the socket closes under QEMU. */
  async function stopBackend(): Promise<void> {
    forwarding = false;
    await forwarder;
    await eal?.cleanup();
    eal = undefined;
  }

  /**
   * Pings the guest from the namespace (`count` of 56 bytes, then of 1400) and checks that
   * every party counted every frame: the kernel's veth, the af_packet port, the vhost port's
   * queues, nothing unplaced, no rx errors.
   */
  async function pingAndCount(count: number): Promise<void> {
    expect(forwardError).toBeUndefined();
    const wireBefore = kernelCounts(ns as Netns, (veth as VethPair).b);
    const vhostBefore = statsGet(ports.vhost);
    const afBefore = statsGet(ports.wire);
    expect(await ping(ns as Netns, count)).toBe(count);
    expect(await ping(ns as Netns, count, 1400)).toBe(count);
    const vhost = statsGet(ports.vhost);
    const wire = statsGet(ports.wire);
    const kernel = kernelCounts(ns as Netns, (veth as VethPair).b);
    const vin = vhost.ipackets - vhostBefore.ipackets;
    const vout = vhost.opackets - vhostBefore.opackets;
    expect(vin).toBeGreaterThanOrEqual(2 * count);
    expect(vout).toBeGreaterThanOrEqual(2 * count);
    expect(vhost.ierrors).toBe(0);
    expect(unplaced).toBe(0);
    expect(wire.ipackets - afBefore.ipackets).toBe(kernel.tx - wireBefore.tx);
    expect(vout).toBe(wire.ipackets - afBefore.ipackets);
    expect(wire.opackets - afBefore.opackets).toBe(vin);
    expect(kernel.rx - wireBefore.rx).toBe(vin);
    // Sent to the guest on every queue (by turns), and the queue counts add up.
    for (let q = 0; q < c.queues; q++) expect(vhost.qOpackets[q] - vhostBefore.qOpackets[q]).toBeGreaterThan(0);
    expect(vhost.qIpackets.slice(0, c.queues).reduce((a, b) => a + b, 0)).toBe(vhost.ipackets);
  }

  beforeAll(async () => {
    ns = netns('nvhr', { ipv6: false });
    veth = await vethPair('nvhr');
    ns.ip('link', 'set', 'dev', 'lo', 'up');
    execFileSync('ip', ['link', 'set', veth.b, 'netns', ns.name]);
    ns.ip('addr', 'add', `${HOST_IP}/${PREFIX}`, 'dev', veth.b);
    ns.ip('link', 'set', veth.b, 'up');
    await startBackend();
    const device = `virtio-net-pci,netdev=vn0,mac=${GUEST_MAC},disable-legacy=on${c.device ? `,${c.device}` : ''}`;
    const extraArgs = ['-chardev', `socket,id=vu0,path=${socket},reconnect-ms=1000`, '-netdev', `vhost-user,id=vn0,chardev=vu0,queues=${c.queues}`, '-device', device];
    guest = await bootGuest({ nics: 0, memoryMiB: GUEST_MIB, cpus: c.cpus, hugepages: 0, sharedMemory: { kind: 'file', path: ram }, standaloneScript: STANDALONE_SCRIPT, extraArgs, timeoutMs: BOOT_MS });
  }, BOOT_MS + 30_000);

  afterAll(async () => {
    await guest?.shutdown();
    await stopBackend();
    veth?.remove();
    ns?.remove();
    rmSync(ram, { force: true });
    rmSync(socket, { force: true });
  });

  it('negotiates the rings asked for, and the guest kernel answers pings through every queue, every frame counted', async () => {
    await until('the link', () => linkGetNowait(ports.vhost).up, STEP_MS);
    const device = vhostSocket(ports.vhost).device;
    const packed = c.device.includes('packed=on');
    expect(device.has(Feature.F_RING_PACKED)).toBe(packed);
    expect(device.has(Feature.NET_F_MRG_RXBUF)).toBe(!c.device.includes('mrg_rxbuf=off'));
    await until('every vring enabled by the guest', () => device.vrings.every((v) => v.ready), STEP_MS);
    expect(device.vrings.map((v) => v.packed)).toEqual(new Array(2 * c.queues).fill(packed));
    await pingAndCount(PINGS);
  }, 3 * STEP_MS);

  // Only the restart case has this test (registered, not skipped: CI fails on any skipped test).
  if (c.restart) {
    it('after the backend stops and starts again, QEMU reconnects and the guest answers pings, every frame counted', async () => {
      await stopBackend();
      unplaced = 0;
      await startBackend();
      await until('the link after the restart', () => linkGetNowait(ports.vhost).up, STEP_MS);
      await pingAndCount(PINGS);
    }, 3 * STEP_MS);
  }
});
