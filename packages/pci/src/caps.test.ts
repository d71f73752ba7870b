import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMsi, decodeMsix, findCapability, findExtCapability, hasCapabilityList, listCapabilities, listExtCapabilities, vendorCapabilities } from './caps.js';
import { configImage, sysfsConfig } from './config.js';
import {
  PCI_CAP_ID_EXP,
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_MSIX,
  PCI_CAP_ID_PM,
  PCI_CAP_ID_VNDR,
  PCI_EXT_CAP_ID_ARI,
  PCI_EXT_CAP_ID_DSN,
  PCI_EXT_CAP_ID_ERR,
  PCI_EXT_CAP_ID_SRIOV,
  PCI_MSI_FLAGS_64BIT,
  PCI_MSI_FLAGS_MASKBIT,
  PCI_MSIX_FLAGS_ENABLE,
  PCI_SRIOV_NUM_VF,
  PCI_SRIOV_TOTAL_VF,
  PCI_SRIOV_VF_DID,
} from './regs.js';
import { ConfigImageBuilder, le16, le32, parseHexDump } from './testing/config-image.js';
import {
  decodeVirtioCap,
  VIRTIO_PCI_CAP_COMMON_CFG,
  VIRTIO_PCI_CAP_DEVICE_CFG,
  VIRTIO_PCI_CAP_ISR_CFG,
  VIRTIO_PCI_CAP_NOTIFY_CFG,
  VIRTIO_PCI_CAP_PCI_CFG,
} from './virtio-caps.js';

const FIXTURES = join(import.meta.dirname, '__fixtures__', 'config');

/** A recorded config image by its file-name prefix (`1af4-1041`). */
function recorded(prefix: string) {
  const file = readdirSync(FIXTURES).find((f) => f.startsWith(prefix));
  if (!file) throw new Error(`no recorded image ${prefix}`);
  return configImage(parseHexDump(readFileSync(join(FIXTURES, file), 'utf8')), { label: file });
}

describe("capability walks on this machine's recorded virtio devices", () => {
  it('lists the virtio-net vendor capabilities and MSI-X in order', () => {
    const cfg = recorded('1af4-1041');
    expect(cfg.size).toBe(256);
    expect(hasCapabilityList(cfg)).toBe(true);
    expect(listCapabilities(cfg)).toEqual([
      { id: PCI_CAP_ID_VNDR, offset: 0x40 },
      { id: PCI_CAP_ID_VNDR, offset: 0x50 },
      { id: PCI_CAP_ID_VNDR, offset: 0x60 },
      { id: PCI_CAP_ID_VNDR, offset: 0x70 },
      { id: PCI_CAP_ID_VNDR, offset: 0x84 },
      { id: PCI_CAP_ID_MSIX, offset: 0x98 },
    ]);
    expect(listExtCapabilities(cfg)).toEqual([]);
  });

  it('decodes the five virtio structure capabilities (cfg_type 1 to 5)', () => {
    const caps = vendorCapabilities(recorded('1af4-1041')).map(decodeVirtioCap);
    expect(caps).toEqual([
      { capOffset: 0x40, cfgType: VIRTIO_PCI_CAP_COMMON_CFG, bar: 0, id: 0, offset: 0x0000, length: 0x38 },
      { capOffset: 0x50, cfgType: VIRTIO_PCI_CAP_ISR_CFG, bar: 0, id: 0, offset: 0x2000, length: 1 },
      { capOffset: 0x60, cfgType: VIRTIO_PCI_CAP_DEVICE_CFG, bar: 0, id: 0, offset: 0x4000, length: 0x1000 },
      { capOffset: 0x70, cfgType: VIRTIO_PCI_CAP_NOTIFY_CFG, bar: 0, id: 0, offset: 0x6000, length: 0x1000, notifyOffMultiplier: 4 },
      { capOffset: 0x84, cfgType: VIRTIO_PCI_CAP_PCI_CFG, bar: 0, id: 0, offset: 0, length: 0 },
    ]);
  });

  it('exposes vendor capabilities raw, as long as their length byte says', () => {
    const [common, , , notify] = vendorCapabilities(recorded('1af4-1041'));
    expect(common.length).toBe(0x10);
    expect([...common.bytes.subarray(0, 4)]).toEqual([0x09, 0x50, 0x10, 0x01]);
    expect(notify.length).toBe(0x14);
    expect(notify.bytes).toHaveLength(0x14);
  });

  it.each([
    ['1af4-1041', 3],
    ['1af4-1042', 2],
    ['1af4-1044', 2],
    ['1af4-1045', 5],
    ['1af4-1053', 4],
  ])('decodes the MSI-X capability of %s: %d vectors, table and PBA in BAR 0', (prefix, vectors) => {
    const cfg = recorded(prefix);
    const at = findCapability(cfg, PCI_CAP_ID_MSIX);
    expect(at).toBe(0x98);
    expect(decodeMsix(cfg, at ?? 0)).toEqual({
      offset: 0x98,
      enabled: true,
      masked: false,
      tableSize: vectors,
      tableBar: 0,
      tableOffset: 0x8000,
      tableBytes: vectors * 16,
      pbaBar: 0,
      pbaOffset: 0x48000,
    });
  });

  it('finds nothing in the host bridge, whose status has no capability list', () => {
    const cfg = recorded('8086-0d57');
    expect(cfg.size).toBe(4096);
    expect(listCapabilities(cfg)).toEqual([]);
    expect(listExtCapabilities(cfg)).toEqual([]);
    expect(findCapability(cfg, PCI_CAP_ID_MSIX)).toBeUndefined();
  });
});

const LIVE = '/sys/bus/pci/devices';
const liveVirtio = existsSync(LIVE) && process.getuid?.() === 0
  ? readdirSync(LIVE).filter((d) => readFileSync(join(LIVE, d, 'vendor'), 'latin1') === '0x1af4\n')
  : [];
if (liveVirtio.length === 0) console.warn('\n*** SKIPPED: live virtio config-space walk needs root and virtio PCI devices (run in the QEMU/cloud VM as root) ***\n');

describe.skipIf(liveVirtio.length === 0)("this machine's live virtio devices (read-only)", () => {
  it('walks each live config space to a virtio notify capability and MSI-X', () => {
    for (const name of liveVirtio) {
      const cfg = sysfsConfig(join(LIVE, name, 'config'), 'tests never write to real devices');
      expect(cfg.writable).toBe(false);
      const virtio = vendorCapabilities(cfg).map(decodeVirtioCap);
      expect(virtio.map((c) => c?.cfgType)).toContain(VIRTIO_PCI_CAP_NOTIFY_CFG);
      const msix = findCapability(cfg, PCI_CAP_ID_MSIX);
      expect(msix, name).toBeDefined();
      expect(decodeMsix(cfg, msix ?? 0).tableSize).toBeGreaterThan(0);
    }
  });
});

/** An 82576-like function: PM, MSI, MSI-X and PCIe capabilities, then AER, DSN, ARI, SR-IOV. */
function build82576() {
  const b = new ConfigImageBuilder({ vendorId: 0x8086, deviceId: 0x10c9, classId: 0x020000, revision: 1, extended: true });
  const pm = b.addCap(PCI_CAP_ID_PM, [...le16(0xc823), ...le16(0x2000), 0, 0]);
  // MSI: 64-bit, per-vector masking, 8 vectors capable (log2 3), 1 enabled; 24 bytes.
  const msiFlags = PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | (3 << 1);
  const msi = b.addCap(PCI_CAP_ID_MSI, [...le16(msiFlags), ...new Array<number>(20).fill(0)]);
  // MSI-X: 10 vectors, table in BAR 3 at 0, PBA in BAR 3 at 0x2000; enabled.
  const msix = b.addCap(PCI_CAP_ID_MSIX, [...le16(PCI_MSIX_FLAGS_ENABLE | 9), ...le32(0x0000 | 3), ...le32(0x2000 | 3)]);
  const exp = b.addCap(PCI_CAP_ID_EXP, [...le16(0x0002), ...new Array<number>(56).fill(0)]);
  const aer = b.addExtCap(PCI_EXT_CAP_ID_ERR, 1, new Array<number>(0x3c).fill(0));
  const dsn = b.addExtCap(PCI_EXT_CAP_ID_DSN, 1, [...le32(0x12345678), ...le32(0x9abcdef0)]);
  const ari = b.addExtCap(PCI_EXT_CAP_ID_ARI, 1, [0, 0, 0, 0]);
  const sriov = b.addExtCap(PCI_EXT_CAP_ID_SRIOV, 1, new Array<number>(0x3c).fill(0));
  b.setU16(sriov + PCI_SRIOV_TOTAL_VF, 8).setU16(sriov + PCI_SRIOV_NUM_VF, 2).setU16(sriov + PCI_SRIOV_VF_DID, 0x10ca);
  return { cfg: configImage(b.bytes), pm, msi, msix, exp, aer, dsn, ari, sriov };
}

describe('capability walks on a hand-built 82576-like image', () => {
  it('lists standard and extended capabilities in chain order', () => {
    const { cfg, pm, msi, msix, exp, aer, dsn, ari, sriov } = build82576();
    expect(listCapabilities(cfg)).toEqual([
      { id: PCI_CAP_ID_PM, offset: pm },
      { id: PCI_CAP_ID_MSI, offset: msi },
      { id: PCI_CAP_ID_MSIX, offset: msix },
      { id: PCI_CAP_ID_EXP, offset: exp },
    ]);
    expect(listExtCapabilities(cfg)).toEqual([
      { id: PCI_EXT_CAP_ID_ERR, version: 1, offset: aer },
      { id: PCI_EXT_CAP_ID_DSN, version: 1, offset: dsn },
      { id: PCI_EXT_CAP_ID_ARI, version: 1, offset: ari },
      { id: PCI_EXT_CAP_ID_SRIOV, version: 1, offset: sriov },
    ]);
    expect(findExtCapability(cfg, PCI_EXT_CAP_ID_SRIOV)).toBe(sriov);
    expect(cfg.readU16(sriov + PCI_SRIOV_VF_DID)).toBe(0x10ca);
    expect(cfg.readU16(sriov + PCI_SRIOV_TOTAL_VF)).toBe(8);
    expect(cfg.readU16(sriov + PCI_SRIOV_NUM_VF)).toBe(2);
    expect(findExtCapability(cfg, 0x0019)).toBeUndefined();
  });

  it('decodes MSI and MSI-X', () => {
    const { cfg, msi, msix } = build82576();
    expect(decodeMsi(cfg, msi)).toEqual({ offset: msi, enabled: false, vectorsCapable: 8, vectorsEnabled: 1, is64: true, perVectorMask: true });
    expect(decodeMsix(cfg, msix)).toMatchObject({ enabled: true, tableSize: 10, tableBar: 3, tableOffset: 0, tableBytes: 160, pbaBar: 3, pbaOffset: 0x2000 });
  });

  it('continues a search after a given capability, in list order', () => {
    const b = new ConfigImageBuilder({ vendorId: 1, deviceId: 2 });
    const first = b.addCap(PCI_CAP_ID_VNDR, [4, 0]);
    const msix = b.addCap(PCI_CAP_ID_MSIX, new Array<number>(10).fill(0));
    const second = b.addCap(PCI_CAP_ID_VNDR, [4, 0]);
    const cfg = configImage(b.bytes);
    expect(findCapability(cfg, PCI_CAP_ID_VNDR)).toBe(first);
    expect(findCapability(cfg, PCI_CAP_ID_VNDR, first)).toBe(second);
    expect(findCapability(cfg, PCI_CAP_ID_VNDR, second)).toBeUndefined();
    expect(findCapability(cfg, PCI_CAP_ID_VNDR, msix)).toBe(second);
    expect(findCapability(cfg, PCI_CAP_ID_VNDR, 0x41)).toBeUndefined();
  });
});

describe('corrupt capability lists end', () => {
  it('stops a standard list that loops after 48 entries', () => {
    const b = new ConfigImageBuilder({ vendorId: 1, deviceId: 2 });
    const at = b.addCap(PCI_CAP_ID_VNDR, [4, 0]);
    b.bytes[at + 1] = at;
    expect(listCapabilities(configImage(b.bytes))).toHaveLength(48);
  });

  it('stops at a pointer into the header and at id 0xff', () => {
    const b = new ConfigImageBuilder({ vendorId: 1, deviceId: 2 });
    const at = b.addCap(PCI_CAP_ID_VNDR, [4, 0]);
    b.bytes[at + 1] = 0x10;
    expect(listCapabilities(configImage(b.bytes))).toHaveLength(1);
    b.bytes[at] = 0xff;
    expect(listCapabilities(configImage(b.bytes))).toEqual([]);
  });

  it('stops an extended list that loops after 480 entries, and one whose next pointer is below 0x100', () => {
    const looping = new ConfigImageBuilder({ vendorId: 1, deviceId: 2, extended: true });
    looping.setU32(0x100, PCI_EXT_CAP_ID_ERR | (1 << 16) | (0x100 << 20));
    expect(listExtCapabilities(configImage(looping.bytes))).toHaveLength(480);
    const short = new ConfigImageBuilder({ vendorId: 1, deviceId: 2, extended: true });
    short.setU32(0x100, PCI_EXT_CAP_ID_ERR | (1 << 16) | (0x40 << 20));
    expect(listExtCapabilities(configImage(short.bytes))).toHaveLength(1);
    short.setU32(0x100, 0xffffffff);
    expect(listExtCapabilities(configImage(short.bytes))).toEqual([]);
  });

  it('refuses a vendor capability too short to be a virtio structure', () => {
    const b = new ConfigImageBuilder({ vendorId: 0x1af4, deviceId: 0x1041 });
    b.addCap(PCI_CAP_ID_VNDR, [8, 1, 0, 0, 0, 0]);
    const [cap] = vendorCapabilities(configImage(b.bytes));
    expect(cap.length).toBe(8);
    expect(decodeVirtioCap(cap)).toBeUndefined();
  });
});
