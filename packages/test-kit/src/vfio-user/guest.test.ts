/**
 * Stage 1 of serving the models to a guest: no vIOMMU in the device's path (the guest puts it
 * in a pass-through domain), guest RAM in a memfd the servers map. The guest kernel's own igb
 * and ixgbe drivers, which nobody here wrote, drive our 82576 and 82599 models: each probes
 * its function and reads the MAC from the model's EEPROM, brings the link up and exchanges
 * frames with the test (which holds the model's cable) both ways; ixgbe's `ethtool -S`
 * counters, the hardware's included, must match what crossed the cable. One boot runs every
 * scenario.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTestFrame, testFrame } from '@nic/native/testing';
import { bootGuest, INSTALL_COMMAND, qemuTierMissing, type Guest } from '@nic/qemu-tier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IgbModel } from '../igb/model.js';
import { IxgbeModel } from '../ixgbe/model.js';
import type { PortModel } from '../model/port.js';
import { vfioUserPciAddress as pciAddress, vfioUserQemuArgs as vfioUserArgs } from './qemu-args.js';
import { VfioUserServer } from './server.js';

const MISSING = qemuTierMissing();
if (MISSING !== undefined) console.warn(`\n!!! SKIPPING the vfio-user guest tests: ${MISSING} (${INSTALL_COMMAND})\n`);

const BOOT_MS = 240_000;
const IGB_MAC = '02:76:00:00:00:27';
const IXGBE_MAC = '02:82:00:00:00:27';
const FRAME_LENGTH = 60;
/** Test frames sent each way per driver. */
const FRAMES = 3;
/** The Ethernet FCS the MAC appends on the wire. */
const FCS_LENGTH = 4;
/** The test frames' EtherType, which the guest's listener filters on. */
const TEST_ETHERTYPE_HEX = '0x88b5';
const STEP_MS = 60_000;

/** A guest shell script that waits (at most 20 s) until interface `$IF` reports carrier `value`. */
function awaitCarrier(value: 0 | 1): string {
  return `for i in $(seq 200); do [ "$(cat /sys/class/net/$IF/carrier 2>/dev/null)" = ${value} ] && exit 0; sleep 0.1; done; exit 1`;
}

/** What crossed one model's cable, as the test holds it. */
interface Served {
  readonly model: PortModel<string, string>;
  readonly server: VfioUserServer;
  readonly transmitted: Uint8Array[];
  ifname: string;
}

describe.skipIf(MISSING !== undefined)('the guest kernel\'s igb and ixgbe drivers on our 82576 and 82599 models, served over vfio-user', () => {
  let dir: string;
  let guest: Guest | undefined;
  const served: Served[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vfio-user-guest-'));
    const models: PortModel<string, string>[] = [new IgbModel({ name: 'igb (vfio-user guest)', mac: IGB_MAC }), new IxgbeModel({ name: 'ixgbe (vfio-user guest)', mac: IXGBE_MAC })];
    models.forEach((model, i) => {
      const transmitted: Uint8Array[] = [];
      model.onTransmit((frame) => void transmitted.push(frame.slice()));
      served.push({ model, server: new VfioUserServer(join(dir, `vfu${i}.sock`), model), transmitted, ifname: '' });
    });
    guest = await bootGuest({ nics: 0, sharedMemory: { kind: 'memfd' }, extraArgs: vfioUserArgs(served.map((s) => s.server.path)), timeoutMs: BOOT_MS });
  }, BOOT_MS + 30_000);

  afterAll(async () => {
    await guest?.shutdown();
    for (const s of served) s.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `cmd` in the guest; on failure, the message carries its output, the kernel log's tail and the servers' last refusals. */
  async function run(cmd: string): Promise<string> {
    const g = guest as Guest;
    let failure: string | undefined;
    let stdout = '';
    try {
      const result = await g.run(cmd, { timeoutMs: STEP_MS });
      stdout = result.stdout;
      if (result.code !== 0) failure = `-> ${result.code}\n${result.stdout}${result.stderr}`;
    } catch (error) {
      failure = (error as Error).message;
    }
    if (failure !== undefined) {
      const dmesg = await g.run('dmesg | tail -n 40');
      const refusals = served.map((s) => `${s.model.name}: ${s.server.device?.lastError ?? 'no refusal'}`).join('; ');
      throw new Error(`guest: ${cmd}\n${failure}\n--- dmesg\n${dmesg.stdout}\n--- servers: ${refusals}`);
    }
    return stdout;
  }

  it.each([
    { i: 0, driver: 'igb', ids: '0x8086\n0x10c9\n', mac: IGB_MAC },
    { i: 1, driver: 'ixgbe', ids: '0x8086\n0x10fb\n', mac: IXGBE_MAC },
  ])('$driver probes its function and reads the MAC from the model', async ({ i, driver, ids, mac }) => {
    const s = served[i];
    expect(s.server.connected).toBe(true);
    const dev = `/sys/bus/pci/devices/${pciAddress(i)}`;
    expect(await run(`cat ${dev}/vendor ${dev}/device`)).toBe(ids);
    // The guest's init binds every 82576 to vfio-pci; hand the function to the kernel driver.
    s.ifname = (
      await run(
        `if [ -e ${dev}/driver ]; then echo ${pciAddress(i)} > ${dev}/driver/unbind; fi && echo > ${dev}/driver_override && modprobe ${driver} && ` +
          `for i in $(seq 200); do [ -d ${dev}/net ] && break; sleep 0.1; done; ls ${dev}/net`,
      )
    ).trim();
    expect(s.ifname).not.toBe('');
    expect((await run(`cat /sys/class/net/${s.ifname}/address`)).trim()).toBe(mac);
  }, 2 * STEP_MS);

  it.each([
    { i: 0, driver: 'igb', speed: '1000' },
    { i: 1, driver: 'ixgbe', speed: '10000' },
  ])('$driver brings the link up at $speed Mb/s', async ({ i, speed }) => {
    const s = served[i];
    await run(`IF=${s.ifname}; sysctl -qw net.ipv6.conf.$IF.disable_ipv6=1 && ip link set $IF up && (${awaitCarrier(1)})`);
    expect((await run(`cat /sys/class/net/${s.ifname}/speed`)).trim()).toBe(speed);
  }, STEP_MS);

  it.each([
    { i: 0, driver: 'igb' },
    { i: 1, driver: 'ixgbe' },
  ])('$driver exchanges frames with the host both ways', async ({ i }) => {
    const s = served[i];
    const sent = Array.from({ length: FRAMES }, (_, n) => Buffer.from(testFrame(0x4700 + n, FRAME_LENGTH + n)).toString('hex'));
    await run(`python3 -c "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('${s.ifname}', 0)); [s.send(bytes.fromhex(f)) for f in '${sent.join(' ')}'.split()]"`);
    const deadline = Date.now() + 10_000;
    while (s.transmitted.filter(isTestFrame).length < FRAMES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(s.transmitted.filter(isTestFrame).map((f) => Buffer.from(f).toString('hex'))).toEqual(sent);

    const frames = Array.from({ length: FRAMES }, (_, n) => Buffer.from(testFrame(0x0815 + n, FRAME_LENGTH + n)));
    const listen = (guest as Guest).spawn(
      `python3 -u -c "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(${TEST_ETHERTYPE_HEX})); s.bind(('${s.ifname}', 0)); s.settimeout(10); print('listening'); [print(s.recv(2048).hex()) for _ in range(${FRAMES})]"`,
    );
    await listen.waitFor(/^listening$/);
    for (const frame of frames) expect(s.model.receiveFrame(frame)).toBe('delivered');
    expect(await listen.done).toMatchObject({ code: 0, stdout: `listening\n${frames.map((f) => `${f.toString('hex')}\n`).join('')}` });
  }, 2 * STEP_MS);

  it('ixgbe\'s ethtool -S counters (the hardware\'s and the kernel\'s) agree with what crossed the cable', async () => {
    const s = served[1];
    // The receive test above delivered FRAMES test frames to the port and nothing else reached it.
    const received = Array.from({ length: FRAMES }, (_, n) => FRAME_LENGTH + n);
    const sentBytes = s.transmitted.reduce((sum, f) => sum + f.length, 0);
    const stats = await ethtoolStats(s.ifname);
    // Linux accumulates the clear-on-read GPRC/GPTC and GORC/GOTC pairs into *_nic. GOTC counts the
    // FCS; Linux strips the FCS on receive (HLREG0.RXCRCSTRP), and GORC then leaves it out.
    expect(stats).toMatchObject({
      tx_packets: s.transmitted.length,
      tx_bytes: sentBytes,
      tx_pkts_nic: s.transmitted.length,
      tx_bytes_nic: sentBytes + s.transmitted.length * FCS_LENGTH,
      rx_packets: FRAMES,
      rx_bytes: received.reduce((a, b) => a + b, 0),
      rx_pkts_nic: FRAMES,
      rx_bytes_nic: received.reduce((a, b) => a + b, 0),
      rx_crc_errors: 0,
      rx_missed_errors: 0,
    });
  }, STEP_MS);

  /** `ethtool -S` of interface `ifname` in the guest, name to value. */
  async function ethtoolStats(ifname: string): Promise<Record<string, number>> {
    const stats: Record<string, number> = {};
    for (const line of (await run(`ethtool -S ${ifname}`)).split('\n')) {
      const m = /^\s*([\w.[\]]+): (\d+)$/.exec(line);
      if (m) stats[m[1]] = Number(m[2]);
    }
    return stats;
  }
});
