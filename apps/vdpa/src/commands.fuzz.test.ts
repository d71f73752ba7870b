/**
 * Fuzz targets over what a user types into nic-vdpa: any application argument list is parsed
 * or refused with a `VdpaUsageError`; any interactive line gives text (an `error:` line when
 * it fails) and never throws.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzz } from '@nic/native/testing';
import { registerVdpaDevice, unregisterVdpaDevice, type VdpaDevice } from '@nic/vdpa';
import { runCommand } from './commands.js';
import { parseVdpaArgs, VdpaUsageError } from './options.js';
import { VdpaPorts } from './ports.js';

const NAME = '0000:7f:00.1';
let dev: VdpaDevice;

beforeAll(() => {
  dev = registerVdpaDevice(NAME, {
    getQueueNum: () => 2,
    getFeatures: () => 1n << 32n,
    getProtocolFeatures: () => 0n,
    devConf: () => undefined,
    devClose: () => undefined,
    setVringState: () => undefined,
    setFeatures: () => undefined,
    getStatsNames: () => ['received_descriptors', 'completed_descriptors'],
    getStats: (_d, qid) => [{ id: 1, value: BigInt(qid) }],
  });
});
afterAll(() => unregisterVdpaDevice(dev));

const word = fc.oneof(
  fc.constantFrom('help', 'list', 'create', 'stats', 'quit', NAME, '0000:00:00.0', '0', '3', '4', '0xffff', '0x10000', '65535', '-1', 'x'),
  fc.string({ maxLength: 10 }),
);
const arg = fc.oneof(fc.constantFrom('--iface', '--client', '-i', '--interactive', '--virtio-vf', '-h', '--help', '--iface=/tmp/x-'), fc.string({ maxLength: 12 }));

describe('nic-vdpa under arbitrary input', () => {
  it('application arguments: parsed, or a usage error naming an option', async () => {
    await fuzz('nic-vdpa options', (s) =>
      fc.assert(
        fc.property(fc.array(arg, { maxLength: 6 }), (argv) => {
          try {
            const o = parseVdpaArgs(argv);
            expect(o.help || o.interactive || o.iface !== undefined).toBe(true);
          } catch (e) {
            if (!(e instanceof VdpaUsageError)) throw e;
          }
        }),
        s,
      ),
    );
  });

  it('interactive lines: text out, never a throw; stats only for vrings the device has', async () => {
    const ports = new VdpaPorts({ client: false, log: () => undefined });
    await fuzz('nic-vdpa commands', (s) =>
      fc.assert(
        fc.property(fc.array(word, { maxLength: 4 }), (words) => {
          const line = words.join(' ');
          // A create that would succeed makes a socket file: the property covers create with arguments that are refused.
          const tokens = line.trim().split(/\s+/);
          if (tokens[0] === 'create' && tokens.length === 3 && tokens[2] === NAME) return;
          const r = runCommand(ports, line);
          expect(r.output === '' || r.output.endsWith('\n')).toBe(true);
          const vrings = r.output.match(/^ {2}vring (\d+):$/gm) ?? [];
          for (const v of vrings) expect(Number(v.trim().split(/[ :]/)[1])).toBeLessThan(4);
        }),
        s,
      ),
    );
    ports.closeAll();
  });
});
