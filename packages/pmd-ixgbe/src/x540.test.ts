// net_ixgbe on modelled X540-T ports: the copper link set up through the PHY over MDIO.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MBUF_DEFAULT_BUF_SIZE, MbufView, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import { configure, infoGet, linkGet, linkGetNowait, LinkSpeeds, portIdByName, rxBurst, rxQueueSetup, start, stop, txBurst, txQueueSetup, type EthConf } from '@nic/ethdev';
import { errorCode, framePacket, IxgbeModelBench, packetBytes, testFrame, type IxgbeModel } from '@nic/test-kit';
import { netIxgbeDriver } from './index.js';
import * as R from './base/regs.js';
import { MDIO_AN_10GBASE_T_CONTROL, MDIO_AN_ADVERTISE_10G, MDIO_MMD_AUTO_NEG, MDIO_MMD_VENDOR_1, MDIO_VS1_CONTROL, MDIO_VS1_LOW_POWER } from './base/phy.js';

const RING = 128;

let bench: IxgbeModelBench;
let eal: Eal;
let pool: Mempool;
let p0: number;
let p1: number;
let m0: IxgbeModel;

/** A clause 45 read as the test's own hand does it (the model's PHY answers at MDIO address 0). */
function phyRead(model: IxgbeModel, mmd: number, reg: number): number {
  const target = (reg | (mmd << R.MSCA_DEV_TYPE_SHIFT)) >>> 0;
  model.write32(R.MSCA, (target | R.MSCA_ADDR_CYCLE | R.MSCA_MDI_COMMAND) >>> 0);
  model.write32(R.MSCA, (target | R.MSCA_READ | R.MSCA_MDI_COMMAND) >>> 0);
  return model.read32(R.MSRWD) >>> R.MSRWD_READ_DATA_SHIFT;
}

function setUp(port: number, conf: EthConf = {}): void {
  configure(port, 1, 1, conf);
  rxQueueSetup(port, 0, RING, undefined, pool);
  txQueueSetup(port, 0, RING);
  start(port);
}

describe('net_ixgbe on two modelled X540-T ports (10GBASE-T copper)', () => {
  beforeEach(async () => {
    bench = await IxgbeModelBench.create({ ports: 2, wire: true, device: 'x540' });
    eal = await bench.init(['-a', bench.addresses[0], '-a', bench.addresses[1]], { drivers: [netIxgbeDriver] });
    pool = pktmbufPoolCreate(eal.arena, 'x540_pool', 1023, 0, 0, MBUF_DEFAULT_BUF_SIZE);
    [p0, p1] = bench.addresses.map((a) => portIdByName(a, eal));
    [m0] = bench.models;
  });
  afterEach(async () => {
    await bench.close();
  });

  it('advertises 100M, 1G and 10G, links at 10 Gb/s by default and moves frames', async () => {
    expect(infoGet(p0).speedCapa).toBe(LinkSpeeds.M100 | LinkSpeeds.G1 | LinkSpeeds.G10);
    setUp(p0);
    setUp(p1);
    expect(await linkGet(p0)).toMatchObject({ up: true, speed: 10_000, fullDuplex: true });
    expect(phyRead(m0, MDIO_MMD_AUTO_NEG, MDIO_AN_10GBASE_T_CONTROL) & MDIO_AN_ADVERTISE_10G).toBe(MDIO_AN_ADVERTISE_10G);
    const frame = testFrame(7, 200);
    frame.set(bench.models[1].mac, 0);
    const out = Uint32Array.of(framePacket(eal, pool, frame));
    expect(txBurst(p0, 0, out, 1)).toBe(1);
    const got = new Uint32Array(4);
    expect(rxBurst(p1, 0, got, 4)).toBe(1);
    expect(packetBytes(eal, got[0])).toEqual(frame);
    new MbufView(eal.arena).freeBulk(got, 1);
  });

  it('links at 1 Gb/s or 100 Mb/s when only that is asked for (linkSpeeds), through the PHY advertisement', async () => {
    setUp(p0, { linkSpeeds: LinkSpeeds.G1 });
    expect(await linkGet(p0)).toMatchObject({ up: true, speed: 1000 });
    expect(m0.read32(R.LINKS) & R.LINKS_SPEED_82599).toBe(R.LINKS_SPEED_1G_82599);
    expect(phyRead(m0, MDIO_MMD_AUTO_NEG, MDIO_AN_10GBASE_T_CONTROL) & MDIO_AN_ADVERTISE_10G).toBe(0);
    stop(p0);
    setUp(p0, { linkSpeeds: LinkSpeeds.M100 | LinkSpeeds.G1 });
    expect(await linkGet(p0)).toMatchObject({ up: true, speed: 1000 });
    stop(p0);
    setUp(p0, { linkSpeeds: LinkSpeeds.M100 });
    expect(await linkGet(p0)).toMatchObject({ up: true, speed: 100 });
    stop(p0);
    setUp(p0);
    expect(await linkGet(p0)).toMatchObject({ up: true, speed: 10_000 });
  });

  it('puts the PHY in low power at stop, so the link goes down, and out of it at start', () => {
    setUp(p0);
    stop(p0);
    expect(phyRead(m0, MDIO_MMD_VENDOR_1, MDIO_VS1_CONTROL) & MDIO_VS1_LOW_POWER).toBe(MDIO_VS1_LOW_POWER);
    expect(m0.read32(R.LINKS) & R.LINKS_UP).toBe(0);
    expect(linkGetNowait(p0).up).toBe(false);
    start(p0);
    expect(phyRead(m0, MDIO_MMD_VENDOR_1, MDIO_VS1_CONTROL) & MDIO_VS1_LOW_POWER).toBe(0);
    expect(m0.read32(R.LINKS) & R.LINKS_UP).toBe(R.LINKS_UP);
  });

  it('refuses a FIXED speed and speeds the port lacks', () => {
    expect(errorCode(() => configure(p0, 1, 1, { linkSpeeds: LinkSpeeds.FIXED | LinkSpeeds.G1 }))).toBe('NIC_EINVAL');
    expect(errorCode(() => configure(p0, 1, 1, { linkSpeeds: LinkSpeeds.G25 }))).toBe('NIC_EINVAL');
  });
});
