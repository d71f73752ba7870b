import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NicError, parseKvargs } from '@nic/eal';
import { harnessEal, vethPair, type VethPair } from '@nic/test-kit';
import { parseAfPacketArgs, VALID_KEYS } from './args.js';
import { NET_AF_PACKET, netAfPacketDriver } from './driver.js';
import { KERNEL_TIER_MISSING } from './__fixtures__/net.js';

const parse = (args: string) => parseAfPacketArgs('net_af_packet0', parseKvargs(args, VALID_KEYS));

describe('net_af_packet device arguments', () => {
  it("uses DPDK's defaults and derives the block count", () => {
    expect(parse('iface=veth0')).toEqual({
      iface: 'veth0',
      qpairs: 1,
      blockSize: 4096,
      blockCount: 256,
      frameSize: 2048,
      frameCount: 512,
      qdiscBypass: false,
    });
    expect(parse('iface=x,qpairs=4,blocksz=8192,framesz=2048,framecnt=64,qdisc_bypass=1')).toMatchObject({
      qpairs: 4,
      blockCount: 16,
      qdiscBypass: true,
    });
  });

  it('rejects missing, empty and out-of-range values, naming the device, key and value', () => {
    const cases: [string, RegExp][] = [
      ['', /net_af_packet0: the key "iface" is required/],
      ['iface=', /net_af_packet0: "iface" names no interface/],
      ['iface=x,qpairs=0', /net_af_packet0: .*"0" for key "qpairs".*1\.\.16/],
      ['iface=x,qpairs=17', /"17" for key "qpairs"/],
      ['iface=x,blocksz=0', /"0" for key "blocksz"/],
      ['iface=x,framesz=-16', /"-16" for key "framesz"/],
      ['iface=x,framecnt=0', /"0" for key "framecnt"/],
      ['iface=x,framecnt=many', /"many" for key "framecnt"/],
      ['iface=x,qdisc_bypass=2', /"2" for key "qdisc_bypass"/],
      ['iface=x,blocksz=4096,framesz=8192', /framesz=8192 is larger than blocksz=4096/],
      ['iface=x,framecnt=511', /framecnt=511 is not a multiple of the 2 frames per block \(blocksz=4096 \/ framesz=2048\)/],
    ];
    for (const [args, message] of cases) {
      let error: unknown;
      try {
        parse(args);
      } catch (e) {
        error = e;
      }
      expect(error, args).toBeInstanceOf(NicError);
      expect((error as NicError).code, args).toBe('NIC_EINVAL');
      expect((error as NicError).message, args).toMatch(message);
    }
  });
});

describe.skipIf(KERNEL_TIER_MISSING !== undefined)('net_af_packet devices with bad arguments', () => {
  let veth: VethPair;

  beforeAll(async () => {
    veth = await vethPair('afa');
  });

  afterAll(() => veth.remove());

  /** What creating `--vdev net_af_packet0,<args>` throws. */
  async function failure(args: string): Promise<NicError> {
    try {
      const eal = await harnessEal('af-packet-args', ['--vdev', `${NET_AF_PACKET}0,${args}`], [netAfPacketDriver]);
      await eal.cleanup();
    } catch (e) {
      if (e instanceof NicError) return e;
      throw e;
    }
    throw new Error(`${args}: the device was created`);
  }

  it('fails without an interface, or with one that does not exist', async () => {
    expect(await failure('qpairs=1')).toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/"iface" is required/) });
    const unknown = await failure('iface=nic-nowhere');
    expect(unknown.code).toBe('NIC_ENODEV');
    expect(unknown.message).toMatch(/net_af_packet0: iface=nic-nowhere: .*no interface is called 'nic-nowhere'/);
  });

  it('fails on ring sizes the kernel would refuse, naming the rule and the arguments', async () => {
    const cases: [string, RegExp][] = [
      ['blocksz=8192,framesz=2008,framecnt=4', /frame size 2008 must be a non-zero multiple of TPACKET_ALIGNMENT \(16\)/],
      ['blocksz=6144,framesz=2048,framecnt=3', /block size 6144 must be a non-zero multiple of the page size 4096/],
      ['blocksz=4096,framesz=1024,framecnt=4', /frame size 1024 cannot hold a frame of the interface's MTU 1500/],
    ];
    for (const [args, rule] of cases) {
      const e = await failure(`iface=${veth.a},${args}`);
      expect(e.code, args).toBe('NIC_EINVAL');
      expect(e.message, args).toMatch(rule);
      expect(e.message, args).toContain(args.split(',').join(', '));
      expect(e.message, args).toContain(veth.a);
    }
  });

  it('fails on keys it does not know', async () => {
    expect((await failure(`iface=${veth.a},fanout_mode=lb`)).message).toMatch(/unknown key "fanout_mode"/);
  });
});
