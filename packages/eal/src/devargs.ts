/**
 * Device arguments: the strings given to `-a`, `-b` and `--vdev` that name a device and carry
 * its driver's parameters. Both of DPDK's spellings are understood:
 *
 * - global: `bus=pci,addr=0000:01:00.0/class=eth/driver=net_igb,k=v`
 * - legacy: `[<bus>:]<device>[,k=v...]`, e.g. `0000:01:00.0,k=v` or `net_ring0,nodeaction=...`
 *
 * Parsing needs to know the buses (and classes) there are; the caller passes them in.
 */
import { NicError } from '@nic/native';
import { parseKvargs, type KvPair, type Kvargs } from './kvargs.js';

/** A bus as devargs parsing sees it. */
export interface BusParser {
  /** The bus name used in `bus=<name>` and in the legacy `<name>:` prefix (`pci`, `vdev`). */
  readonly name: string;
  /**
   * Recognises a device name of this bus and returns its canonical spelling (the PCI bus
   * turns `1:2.3` into `0000:01:02.3`), or undefined when the name is not this bus's. A bus
   * without `parse` recognises no name on its own, and keeps names given with its prefix or
   * with `name=` as written.
   */
  parse?(devName: string): string | undefined;
}

/** What {@link parseDevargs} needs to know about the running system. */
export interface DevargsContext {
  /** Known buses; legacy names are offered to them in this order. */
  readonly buses: readonly BusParser[];
  /** Known device class names (`eth`); any `class=` is unknown when omitted. */
  readonly classes?: readonly string[];
}

/** Options of {@link parseDevargs}. */
export interface DevargsParseOptions {
  /**
   * A legacy-syntax string without a `<bus>:` prefix belongs to this bus, instead of the first
   * bus that recognises its name (`--vdev` uses `vdev`). The bus's `parse`, if any, must still
   * recognise the name.
   */
  readonly bus?: string;
}

/** Which list of the command line a devargs came from: `-a`, `-b` or `--vdev`. */
export type DevargsType = 'allow' | 'block' | 'vdev';

/** Whether a device may be used (`-a`, `--vdev`) or must be left alone (`-b`). */
export type DevargsPolicy = 'allow' | 'block';

/** A parsed devargs string. Plain data plus {@link Devargs.kvargs}; safe to spread. */
export interface Devargs {
  /** The string as given. */
  readonly raw: string;
  /** The bus name; undefined only for a global-syntax string naming just a class (`class=eth`). */
  readonly bus: string | undefined;
  /**
   * The device name, canonical as the bus's `parse` spells it (`0000:01:00.0`, `net_ring0`);
   * `""` when a global-syntax string names no device (`bus=pci`).
   */
  readonly name: string;
  /** The device class from `class=`, if any. */
  readonly cls: string | undefined;
  /** The driver name from `driver=`, if any. */
  readonly driver: string | undefined;
  /**
   * The driver's parameters as a kvargs string: for the legacy syntax everything after the
   * first `,` (`""` when there is none); for the global syntax the driver layer without its
   * `driver=` pair.
   */
  readonly args: string;
  /** The bus layer as written, `bus=` pair included (DPDK's `bus_str`); global syntax only. */
  readonly busArgs: string | undefined;
  /** The class layer as written, `class=` pair included (DPDK's `cls_str`); global syntax only. */
  readonly classArgs: string | undefined;
  /**
   * The driver layer as written (DPDK's `drv_str`): with the global syntax it includes the
   * `driver=` pair; with the legacy syntax it equals {@link args}.
   */
  readonly driverArgs: string | undefined;
  /** The list it was added to, once in a {@link DevargsList}. */
  readonly type?: DevargsType;
  /** `block` for `-b` entries, `allow` for the others, once in a {@link DevargsList}. */
  readonly policy?: DevargsPolicy;
  /** Parses {@link args}; with `validKeys`, any other key is `NIC_EINVAL`. */
  kvargs(validKeys?: readonly string[]): Kvargs;
}

const BUS_KEY = 'bus';
const CLASS_KEY = 'class';
const DRIVER_KEY = 'driver';
const LAYER_KEYS = [BUS_KEY, CLASS_KEY, DRIVER_KEY] as const;
type LayerKey = (typeof LAYER_KEYS)[number];
const LAYER_SEPARATOR = '/';
const ARGS_SEPARATOR = ',';
const BUS_PREFIX_SEPARATOR = ':';
/** Bus-layer keys naming the device, tried in this order. */
const ADDR_KEY = 'addr';
const NAME_KEY = 'name';
/** The bus `--vdev` devices live on. */
const VDEV_BUS_NAME = 'vdev';

function invalid(raw: string, why: string): NicError {
  return new NicError('NIC_EINVAL', `devargs "${raw}": ${why}`);
}

function startsWithLayerKey(text: string, at = 0): boolean {
  return LAYER_KEYS.some((k) => text.startsWith(`${k}=`, at));
}

/**
 * Splits a global-syntax string into its layers (`bus=...`, `class=...`, `driver=...`), or
 * returns undefined when `text` is not in the global syntax (it does not start with one of
 * those keys). A `/` separates layers only when a layer key follows it, so values may hold
 * slashes (`name=/dev/file/name/class=eth` keeps `/dev/file/name`).
 */
export function splitDevargsLayers(text: string): string[] | undefined {
  if (!startsWithLayerKey(text)) return undefined;
  const layers: string[] = [];
  let start = 0;
  for (let i = text.indexOf(LAYER_SEPARATOR); i >= 0; i = text.indexOf(LAYER_SEPARATOR, i + 1)) {
    if (!startsWithLayerKey(text, i + 1)) continue;
    layers.push(text.slice(start, i));
    start = i + 1;
  }
  layers.push(text.slice(start));
  return layers;
}

function formatPairs(pairs: readonly KvPair[]): string {
  return pairs.map((p) => (p.value === undefined ? p.key : `${p.key}=${p.value}`)).join(ARGS_SEPARATOR);
}

function makeDevargs(fields: Omit<Devargs, 'kvargs'>): Devargs {
  return { ...fields, kvargs: (validKeys?: readonly string[]) => parseKvargs(fields.args, validKeys) };
}

function findBus(ctx: DevargsContext, name: string): BusParser | undefined {
  return ctx.buses.find((b) => b.name === name);
}

/** The device name of a global-syntax bus layer: `addr=` resolved by the bus, else `name=`. */
function resolveGlobalName(raw: string, bus: BusParser, layer: Kvargs): string {
  for (const key of [ADDR_KEY, NAME_KEY]) {
    if (!layer.has(key)) continue;
    const value = layer.get(key);
    if (value === undefined || value === '') throw invalid(raw, `${key}= needs a value`);
    const canonical = bus.parse?.(value);
    if (canonical !== undefined) return canonical;
    if (key === ADDR_KEY) throw invalid(raw, `bus ${bus.name} does not recognise device address "${value}"`);
    return value;
  }
  return '';
}

function parseGlobal(raw: string, layers: readonly string[], ctx: DevargsContext): Devargs {
  if (layers.length > LAYER_KEYS.length) {
    throw invalid(raw, `${layers.length} layers, at most ${LAYER_KEYS.length} (bus=/class=/driver=)`);
  }
  const seen = new Map<LayerKey, { text: string; kv: Kvargs; value: string }>();
  for (const text of layers) {
    const kv = parseKvargs(text);
    const first = kv.pairs[0];
    const key = LAYER_KEYS.find((k) => k === first?.key);
    // splitDevargsLayers cuts only before a layer key; this guards the first layer all the same.
    if (key === undefined || first.value === undefined) throw invalid(raw, `layer "${text}" does not start with bus=, class= or driver=`);
    if (seen.has(key)) throw invalid(raw, `the ${key} layer is given twice`);
    if (first.value === '') throw invalid(raw, `${key}= needs a value`);
    seen.set(key, { text, kv, value: first.value });
  }
  const busLayer = seen.get(BUS_KEY);
  const classLayer = seen.get(CLASS_KEY);
  const driverLayer = seen.get(DRIVER_KEY);
  if (!busLayer && !classLayer) throw invalid(raw, 'names neither a bus (bus=) nor a class (class=)');

  let name = '';
  if (busLayer) {
    const bus = findBus(ctx, busLayer.value);
    if (!bus) throw invalid(raw, `unknown bus "${busLayer.value}" (known: ${ctx.buses.map((b) => b.name).join(', ') || 'none'})`);
    name = resolveGlobalName(raw, bus, busLayer.kv);
  }
  if (classLayer && !(ctx.classes ?? []).includes(classLayer.value)) {
    throw invalid(raw, `unknown class "${classLayer.value}" (known: ${(ctx.classes ?? []).join(', ') || 'none'})`);
  }
  return makeDevargs({
    raw,
    bus: busLayer?.value,
    name,
    cls: classLayer?.value,
    driver: driverLayer?.value,
    args: driverLayer ? formatPairs(driverLayer.kv.pairs.slice(1)) : '',
    busArgs: busLayer?.text,
    classArgs: classLayer?.text,
    driverArgs: driverLayer?.text,
  });
}

/** Resolves `devName` on `bus`: its canonical name, or undefined when the bus refuses it. */
function resolveOn(bus: BusParser, devName: string): string | undefined {
  return bus.parse ? bus.parse(devName) : devName;
}

function parseLegacy(raw: string, ctx: DevargsContext, options: DevargsParseOptions): Devargs {
  const comma = raw.indexOf(ARGS_SEPARATOR);
  const head = comma < 0 ? raw : raw.slice(0, comma);
  const args = comma < 0 ? '' : raw.slice(comma + 1);
  let found: { bus: BusParser; name: string } | undefined;

  for (const bus of ctx.buses) {
    const prefix = bus.name + BUS_PREFIX_SEPARATOR;
    if (!head.startsWith(prefix)) continue;
    const rest = head.slice(prefix.length);
    const name = rest === '' ? undefined : resolveOn(bus, rest);
    if (name !== undefined) {
      found = { bus, name };
      break;
    }
  }
  if (!found && head === '') throw invalid(raw, 'no device name');
  if (!found && options.bus !== undefined) {
    const bus = findBus(ctx, options.bus);
    if (!bus) throw invalid(raw, `unknown bus "${options.bus}"`);
    const name = resolveOn(bus, head);
    if (name === undefined) throw invalid(raw, `bus ${bus.name} does not recognise device "${head}"`);
    found = { bus, name };
  }
  if (!found) {
    for (const bus of ctx.buses) {
      const name = bus.parse?.(head);
      if (name !== undefined) {
        found = { bus, name };
        break;
      }
    }
  }
  if (!found) throw invalid(raw, `no bus recognises device "${head}" (buses: ${ctx.buses.map((b) => b.name).join(', ') || 'none'})`);
  return makeDevargs({
    raw,
    bus: found.bus.name,
    name: found.name,
    cls: undefined,
    driver: undefined,
    args,
    busArgs: undefined,
    classArgs: undefined,
    driverArgs: args,
  });
}

/**
 * Parses a devargs string (DPDK's `rte_devargs_parse`).
 *
 * Global syntax, chosen when the string starts with `bus=`, `class=` or `driver=`: up to three
 * `/`-separated layers, each a kvargs list led by its layer key; the bus and class must be
 * known (`ctx`), at least one of them given, and each layer at most once. The device name is
 * the bus layer's `addr=` as the bus resolves it (an address the bus refuses is an error),
 * else its `name=` (resolved by the bus when it can, kept as written otherwise), else `""`.
 *
 * Legacy syntax otherwise: the name runs to the first `,` and the driver args follow it. A
 * `<bus>:` prefix picks a bus, which must recognise the rest; without one the name goes to
 * `options.bus` if given, else to the first bus whose `parse` recognises it.
 *
 * Any failure is `NIC_EINVAL` quoting the string; a non-string or a context without a bus
 * array is a `TypeError`.
 */
export function parseDevargs(text: string, ctx: DevargsContext, options: DevargsParseOptions = {}): Devargs {
  if (typeof text !== 'string') throw new TypeError(`devargs must be a string, got ${typeof text}`);
  if (!ctx || !Array.isArray(ctx.buses)) throw new TypeError('devargs context must have a buses array');
  const layers = splitDevargsLayers(text);
  return layers ? parseGlobal(text, layers, ctx) : parseLegacy(text, ctx, options);
}

/** A bus's scan policy, set by the first devargs added for it (DPDK's `scan_mode`). */
export type BusScanMode = 'allowlist' | 'blocklist';

/**
 * The user's device list (DPDK's `devargs_list`): `-a`, `-b` and `--vdev` entries in the order
 * given, at most one per bus and device name.
 */
export class DevargsList {
  readonly #ctx: DevargsContext;
  readonly #entries: Devargs[] = [];
  readonly #scanModes = new Map<string, BusScanMode>();

  /** A list whose strings are parsed against `ctx`. */
  constructor(ctx: DevargsContext) {
    if (!ctx || !Array.isArray(ctx.buses)) throw new TypeError('devargs context must have a buses array');
    this.#ctx = ctx;
  }

  /**
   * Parses `text` and appends it as a `type` entry (DPDK's `rte_devargs_add`). `vdev` entries
   * must be on the vdev bus (legacy names without a prefix go to it). An unparsable string, a
   * string naming no bus or no device, or a device already in the list (a duplicate `--vdev`
   * name included) is `NIC_EINVAL`. The first entry of a bus fixes that bus's scan mode.
   */
  add(type: DevargsType, text: string): Devargs {
    if (type !== 'allow' && type !== 'block' && type !== 'vdev') throw new TypeError(`unknown devargs type ${String(type)}`);
    const parsed = parseDevargs(text, this.#ctx, type === 'vdev' ? { bus: VDEV_BUS_NAME } : {});
    if (parsed.bus === undefined) throw invalid(text, 'names no bus');
    if (parsed.name === '') throw invalid(text, 'names no device');
    if (type === 'vdev' && parsed.bus !== VDEV_BUS_NAME) throw invalid(text, `--vdev names a device of bus ${parsed.bus}`);
    if (this.find(parsed.bus, parsed.name)) {
      const what = type === 'vdev' ? `duplicate virtual device "${parsed.name}"` : `device ${parsed.name} of bus ${parsed.bus} is listed twice`;
      throw invalid(text, what);
    }
    const entry: Devargs = { ...parsed, type, policy: type === 'block' ? 'block' : 'allow' };
    if (!this.#scanModes.has(parsed.bus)) this.#scanModes.set(parsed.bus, entry.policy === 'block' ? 'blocklist' : 'allowlist');
    this.#entries.push(entry);
    return entry;
  }

  /**
   * Puts `devargs` in the list, replacing an entry with the same bus and name, else appending
   * (DPDK's `rte_devargs_insert`, used by hotplug). Devargs without a bus are `NIC_EINVAL`.
   */
  insert(devargs: Devargs): void {
    if (devargs.bus === undefined) throw invalid(devargs.raw, 'names no bus');
    const at = this.#indexOf(devargs.bus, devargs.name);
    if (at < 0) this.#entries.push(devargs);
    else this.#entries[at] = devargs;
  }

  /** Removes the entry with this bus and name; returns whether there was one. */
  remove(bus: string, name: string): boolean {
    const at = this.#indexOf(bus, name);
    if (at >= 0) this.#entries.splice(at, 1);
    return at >= 0;
  }

  /** The entry with this bus and (canonical) name, if any. */
  find(bus: string, name: string): Devargs | undefined {
    const at = this.#indexOf(bus, name);
    return at < 0 ? undefined : this.#entries[at];
  }

  /** Number of entries added as `type` (DPDK's `rte_devargs_type_count`). */
  countType(type: DevargsType): number {
    return this.#entries.filter((d) => d.type === type).length;
  }

  /** The entries, in order; only those of `bus` when given. */
  list(bus?: string): Devargs[] {
    return this.#entries.filter((d) => bus === undefined || d.bus === bus);
  }

  /**
   * How `bus` treats devices without devargs: `allowlist` (only allowed devices are used) when
   * its first entry was allowed, `blocklist` when it was blocked, undefined without entries.
   */
  scanMode(bus: string): BusScanMode | undefined {
    return this.#scanModes.get(bus);
  }

  #indexOf(bus: string, name: string): number {
    return this.#entries.findIndex((d) => d.bus === bus && d.name === name);
  }
}
