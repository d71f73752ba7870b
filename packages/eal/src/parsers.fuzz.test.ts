/**
 * Fuzz targets over EAL's parsers of outside input: the EAL command line, kvargs, devargs,
 * PCI addresses and the lcore syntax (`-l`, `-c`, `--lcores`, `--main-lcore`). Each either
 * returns a value that keeps its documented invariants or refuses with a `NicError`; any
 * other throw is a crash.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz, parsedOrRefused } from '@nic/native/testing';
import { parseDevargs, type BusParser, type DevargsContext } from './devargs.js';
import { parseKvargs } from './kvargs.js';
import { MAX_LCORE, parseCoremask, parseLcores, parseMainLcore } from './options/lcores.js';
import { parseEalArgs } from './options/parse.js';
import { ealUsage } from './options/usage.js';
import { formatPciAddr, parsePciAddr, tryParsePciAddr, type PciAddr } from './pci-addr.js';

/** Every option the usage text names. */
const EAL_OPTIONS = [...new Set(ealUsage('fuzz').match(/(?<![\w-])--?[a-zA-Z][\w-]*/g) ?? [])];

/** Short strings from the characters these syntaxes are made of, and any string at all. */
const syntaxChars = (chars: string, maxLength = 24) => fc.oneof(fc.string({ unit: fc.constantFrom(...chars), maxLength }), fc.string({ maxLength }));
const numberLike = syntaxChars('0123456789abcdefxX,-@()[]:.=', 16);
/** An affinity set: a few CPUs anywhere below 512, or the first `n`. */
const cpuSetArb = fc.oneof(
  fc.uniqueArray(fc.integer({ min: 0, max: 511 }), { minLength: 1, maxLength: 16 }),
  fc.integer({ min: 1, max: 512 }).map((n) => Array.from({ length: n }, (_, cpu) => cpu)),
);

const pciBus: BusParser = {
  name: 'pci',
  parse: (devName) => {
    const addr = tryParsePciAddr(devName);
    return addr && formatPciAddr(addr);
  },
};
const vdevBus: BusParser = { name: 'vdev', parse: (devName) => (devName.startsWith('net_') ? devName : undefined) };
const devargsContext: DevargsContext = { buses: [pciBus, vdevBus], classes: ['eth'] };

const pciAddr: fc.Arbitrary<PciAddr> = fc.record({
  domain: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
  bus: fc.integer({ min: 0, max: 0xff }),
  devid: fc.integer({ min: 0, max: 0x1f }),
  function: fc.integer({ min: 0, max: 7 }),
});

describe('EAL parsers under arbitrary input', () => {
  it('the EAL command line: parsed, with consumed arguments within argv, or refused', async () => {
    expect(EAL_OPTIONS).toEqual(expect.arrayContaining(['-l', '--vdev', '--file-prefix', '--no-huge']));
    const token = fc.oneof(fc.constantFrom(...EAL_OPTIONS, '--'), numberLike, syntaxChars('abcdefghijklmnopqrstuvwxyz_0123456789,=:./-'));
    await fuzz('EAL arguments', (s) =>
      fc.assert(
        fc.property(fc.array(token, { maxLength: 12 }), cpuSetArb, (argv, cpus) => {
          const parsed = parsedOrRefused(() => parseEalArgs(argv, { cpus }));
          if (parsed === undefined) return;
          expect(parsed.consumed).toBeGreaterThanOrEqual(0);
          expect(parsed.consumed).toBeLessThanOrEqual(argv.length);
          for (const lcore of parsed.options.lcores) for (const cpu of lcore.cpus) expect(cpus).toContain(cpu);
        }),
        s,
      ),
    );
  });

  it('kvargs: parsed into pairs whose keys hold no "=" and are valid, or refused', async () => {
    await fuzz('kvargs', (s) =>
      fc.assert(
        fc.property(syntaxChars('ab1=,[]; '), fc.option(fc.array(fc.constantFrom('a', 'b', 'ab', 'a1'))), (text, keys) => {
          const kv = parsedOrRefused(() => parseKvargs(text, keys ?? undefined));
          if (kv === undefined) return;
          expect(kv.count()).toBe(kv.pairs.length);
          for (const { key } of kv.pairs) {
            expect(key).not.toContain('=');
            if (keys) expect(keys).toContain(key);
          }
        }),
        s,
      ),
    );
  });

  it('devargs: parsed onto a known bus, or refused', async () => {
    const text = fc.oneof(
      syntaxChars('net_ring0,=:/.bus=pcivdevclass=eth0123456789abcdef'),
      fc.tuple(pciAddr.map(formatPciAddr), syntaxChars('a=1,b')).map(([a, args]) => `${a},${args}`),
    );
    await fuzz('devargs', (s) =>
      fc.assert(
        fc.property(text, (t) => {
          const devargs = parsedOrRefused(() => parseDevargs(t, devargsContext));
          if (devargs === undefined) return;
          expect(['pci', 'vdev']).toContain(devargs.bus);
        }),
        s,
      ),
    );
  });

  it('PCI addresses: any string is parsed or refused; every address spelt canonically parses back to itself', async () => {
    await fuzz('PCI addresses', (s) =>
      fc.assert(
        fc.property(syntaxChars('0123456789abcdefABCDEF:.x '), pciAddr, (text, addr) => {
          const parsed = tryParsePciAddr(text);
          expect(parsedOrRefused(() => parsePciAddr(text))).toEqual(parsed);
          if (parsed) expect(tryParsePciAddr(formatPciAddr(parsed))).toEqual(parsed);
          expect(parsePciAddr(formatPciAddr(addr))).toEqual(addr);
        }),
        s,
      ),
    );
  });

  it('the lcore syntax: lcores below MAX_LCORE on CPUs of the affinity set, ids unique, or refused', async () => {
    await fuzz('lcores', (s) =>
      fc.assert(
        fc.property(numberLike, cpuSetArb, fc.constantFrom('-l', '-c', '--lcores'), numberLike, (text, cpus, option, main) => {
          const parse = option === '-c' ? parseCoremask : parseLcores;
          const lcores = parsedOrRefused(() => parse(text, { cpus, option }));
          if (lcores === undefined) return;
          expect(lcores.length).toBeGreaterThan(0);
          expect(new Set(lcores.map((l) => l.id)).size).toBe(lcores.length);
          for (const { id, cpus: set } of lcores) {
            expect(id).toBeLessThan(MAX_LCORE);
            expect(set.length).toBeGreaterThan(0);
            for (const cpu of set) expect(cpus).toContain(cpu);
          }
          const mainLcore = parsedOrRefused(() => parseMainLcore(main, lcores));
          if (mainLcore !== undefined) expect(lcores.map((l) => l.id)).toContain(mainLcore);
        }),
        s,
      ),
    );
  });
});
