/**
 * Stage 1 of serving the models to a guest: no vIOMMU in the device's path (the guest puts it
 * in a pass-through domain), guest RAM in a memfd the server maps. The guest kernel's own igb
 * driver, which nobody here wrote, drives our 82576 model: it probes it, reads the MAC from
 * its EEPROM, brings the link up, and exchanges frames with the test (which holds the model's
 * cable) both ways. One boot runs every scenario.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isTestFrame, testFrame } from '@nic/native/testing';
import { bootGuest, INSTALL_COMMAND, qemuTierMissing, type Guest } from '@nic/qemu-tier';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IgbModel } from '../igb/model.js';
import { VfioUserServer } from './server.js';

const MISSING = qemuTierMissing();
if (MISSING !== undefined) console.warn(`\n!!! SKIPPING the vfio-user guest tests: ${MISSING} (${INSTALL_COMMAND})\n`);

const BOOT_MS = 240_000;
const MAC = '02:76:00:00:00:27';
const FRAME_LENGTH = 60;
/** The test frames' EtherType, which the guest's listener filters on. */
const TEST_ETHERTYPE_HEX = '0x88b5';
/** The model's root port: its own PCIe slot, so the function is 0000:01:00.0 in the guest. */
const ROOT_PORT = 'vfu-rp0';
const PCI_ADDRESS = '0000:01:00.0';
const STEP_MS = 60_000;

/** The QEMU arguments that put a vfio-user function served at `socket` behind its own root port. */
function vfioUserArgs(socket: string): string[] {
  const device = { driver: 'vfio-user-pci', id: 'vfu0', bus: ROOT_PORT, addr: '0', socket: { type: 'unix', path: socket }, 'x-msg-timeout': 30_000 };
  return [
    // A vfio device behind VT-d needs caching mode (QEMU refuses it otherwise).
    '-global', 'intel-iommu.caching-mode=on',
    '-device', `pcie-root-port,id=${ROOT_PORT},bus=pcie.0,addr=0x10,chassis=1`,
    '-device', JSON.stringify(device),
  ];
}

/** A guest shell script that waits (at most 20 s) until interface `$IF` reports carrier `value`. */
function awaitCarrier(value: 0 | 1): string {
  return `for i in $(seq 200); do [ "$(cat /sys/class/net/$IF/carrier 2>/dev/null)" = ${value} ] && exit 0; sleep 0.1; done; exit 1`;
}

describe.skipIf(MISSING !== undefined)("the guest kernel's igb driver on our 82576 model, served over vfio-user", () => {
  let dir: string;
  let model: IgbModel;
  let server: VfioUserServer;
  let guest: Guest | undefined;
  const transmitted: Uint8Array[] = [];
  let ifname = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vfio-user-guest-'));
    model = new IgbModel({ name: 'igb (vfio-user guest)', mac: MAC });
    model.onTransmit((frame) => void transmitted.push(frame.slice()));
    server = new VfioUserServer(join(dir, 'igb.sock'), model);
    guest = await bootGuest({ nics: 0, sharedMemory: { kind: 'memfd' }, extraArgs: vfioUserArgs(server.path), timeoutMs: BOOT_MS });
  }, BOOT_MS + 30_000);

  afterAll(async () => {
    await guest?.shutdown();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs `cmd` in the guest; on failure, the message carries its output, the kernel log's tail and the server's last refusal. */
  async function run(cmd: string): Promise<string> {
    const g = guest as Guest;
    const result = await g.run(cmd, { timeoutMs: STEP_MS });
    if (result.code !== 0) {
      const dmesg = await g.run('dmesg | tail -n 30');
      throw new Error(`guest: ${cmd}\n-> ${result.code}\n${result.stdout}${result.stderr}\n--- dmesg\n${dmesg.stdout}\n--- server: ${server.device?.lastError ?? 'no refusal'}`);
    }
    return result.stdout;
  }

  it('probes the function with igb, which reads the MAC from the model and brings the link up', async () => {
    expect(server.connected).toBe(true);
    expect(await run(`cat /sys/bus/pci/devices/${PCI_ADDRESS}/vendor /sys/bus/pci/devices/${PCI_ADDRESS}/device`)).toBe('0x8086\n0x10c9\n');
    const dev = `/sys/bus/pci/devices/${PCI_ADDRESS}`;
    // The guest's init bound every 82576 to vfio-pci; hand this one to igb.
    ifname = (
      await run(
        `echo ${PCI_ADDRESS} > ${dev}/driver/unbind && echo > ${dev}/driver_override && modprobe igb && ` +
          `for i in $(seq 200); do [ -d ${dev}/net ] && break; sleep 0.1; done; ls ${dev}/net`,
      )
    ).trim();
    expect(ifname).not.toBe('');
    expect((await run(`cat /sys/class/net/${ifname}/address`)).trim()).toBe(MAC);
    await run(`IF=${ifname}; sysctl -qw net.ipv6.conf.$IF.disable_ipv6=1 && ip link set $IF up && (${awaitCarrier(1)})`);
    expect((await run(`cat /sys/class/net/${ifname}/speed`)).trim()).toBe('1000');
  }, 3 * STEP_MS);

  it('exchanges frames with the host both ways', async () => {
    const sent = Buffer.from(testFrame(0x4711, FRAME_LENGTH));
    const send = `python3 -c "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('${ifname}', 0)); s.send(bytes.fromhex('${sent.toString('hex')}'))"`;
    await run(send);
    const deadline = Date.now() + 10_000;
    while (!transmitted.some(isTestFrame) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const out = transmitted.filter(isTestFrame);
    expect(out.map((f) => Buffer.from(f).toString('hex'))).toEqual([sent.toString('hex')]);

    const frame = Buffer.from(testFrame(0x0815, FRAME_LENGTH));
    const g = guest as Guest;
    const listen = g.spawn(
      `python3 -u -c "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(${TEST_ETHERTYPE_HEX})); s.bind(('${ifname}', 0)); s.settimeout(10); print('listening'); print(s.recv(2048).hex())"`,
    );
    await listen.waitFor(/^listening$/);
    model.receiveFrame(frame);
    expect(await listen.done).toMatchObject({ code: 0, stdout: `listening\n${frame.toString('hex')}\n` });
  }, 2 * STEP_MS);
});
