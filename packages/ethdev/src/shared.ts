/**
 * The shared port data: what every thread needs to know about a port lives in arena memory,
 * so that a queue view can be rebuilt on any lcore (DPDK's `rte_eth_dev_data`, which lives
 * in a shared memzone for the same reason).
 *
 * The port table is the memzone {@link ETH_PORTS_MZ}: a header line, then
 * {@link ETH_MAX_PORTS} entries of {@link PORT_ENTRY_SIZE} bytes indexed by port id.
 *
 * | entry offset            | width   | what                                                    |
 * |-------------------------|---------|---------------------------------------------------------|
 * | {@link PE_STATE}        | u32     | {@link PortState}                                       |
 * | {@link PE_GEN}          | u32     | bumped by every change a queue view depends on          |
 * | {@link PE_SERIAL}       | u32     | allocation serial: tells a port from an earlier one     |
 * | {@link PE_NB_RX}        | u32     | configured rx queues                                    |
 * | {@link PE_NB_TX}        | u32     | configured tx queues                                    |
 * | {@link PE_MTU}          | u32     | MTU                                                     |
 * | {@link PE_FLAGS}        | u32     | `PF_*` flags (promiscuous, all-multicast, interrupts)   |
 * | {@link PE_LINK}         | u32     | `LINK_F_*` flags (up, full duplex, autoneg)             |
 * | {@link PE_LINK_SPEED}   | u32     | link speed in Mbps                                      |
 * | {@link PE_QUEUES}       | u32     | arena offset of the queue block zone, 0 when none       |
 * | {@link PE_PRIV}         | u32     | arena offset of the driver's private zone, 0 when none  |
 * | {@link PE_PRIV_SIZE}    | u32     | bytes of the private zone                               |
 * | {@link PE_MAC}          | 6 bytes | primary MAC address                                     |
 * | {@link PE_NAME}         | 64 B    | port name: length byte, then UTF-8                      |
 * | {@link PE_DRIVER}       | 64 B    | driver name: length byte, then UTF-8                    |
 *
 * Each port's queues have a zone of {@link QUEUE_BLOCK_SIZE}-byte blocks, rx queues first,
 * then tx queues; each block is one cache line, written only by the lcore polling that
 * queue, so two lcores never share a line of counters:
 *
 * | block offset        | width   | what                                                   |
 * |---------------------|---------|--------------------------------------------------------|
 * | {@link QB_PACKETS}  | 2 x u32 | packets received or sent (low word, high word)         |
 * | {@link QB_BYTES}    | 2 x u32 | bytes received or sent                                 |
 * | {@link QB_ERRORS}   | 2 x u32 | erroneous packets                                      |
 * | {@link QB_NOMBUF}   | 2 x u32 | rx: mbuf allocation failures                           |
 * | {@link QB_MISSED}   | 2 x u32 | rx: packets dropped for want of room                   |
 * | {@link QB_STATE}    | u32     | 1 once the queue is set up                             |
 * | {@link QB_NB_DESC}  | u32     | descriptors asked for at setup                         |
 * | {@link QB_MEMPOOL}  | u32     | rx: arena offset of the queue's mempool                |
 * | {@link QB_RUN}      | u32     | {@link QUEUE_STARTED} while the queue moves packets    |
 *
 * Counters are 64-bit as two u32 words; a reader racing a writer may see a low word that
 * wrapped before the high word moved, as on 32-bit DPDK targets.
 */
import { memzoneLookup, memzoneReserve, NicError, type Arena } from '@nic/eal';
import { DEFAULT_MAX_PORTS } from '@nic/intr';

/** Name of the port table memzone. */
export const ETH_PORTS_MZ = 'ETH_PORTS';
/** Most ports (`RTE_MAX_ETHPORTS`); the same bound as the device-event registry's. */
export const ETH_MAX_PORTS = DEFAULT_MAX_PORTS;
/** Most rx or tx queues a port may be configured with (`RTE_MAX_QUEUES_PER_PORT`). */
export const ETH_MAX_QUEUES_PER_PORT = 1024;

/** Header: {@link PORT_TABLE_MAGIC} once the table is set up. */
export const PT_MAGIC = 0;
/** Header: serial the next allocated port gets. */
export const PT_NEXT_SERIAL = 4;
/** Size of the table header. */
export const PORT_TABLE_HEADER_SIZE = 64;
/** Value of {@link PT_MAGIC} ("ETHP"). */
export const PORT_TABLE_MAGIC = 0x45544850;
/** Size of one port entry. */
export const PORT_ENTRY_SIZE = 256;

/** Entry: the port's {@link PortState}. */
export const PE_STATE = 0;
/** Entry: generation, bumped after every change a queue view depends on. */
export const PE_GEN = 4;
/** Entry: allocation serial. */
export const PE_SERIAL = 8;
/** Entry: configured rx queues. */
export const PE_NB_RX = 12;
/** Entry: configured tx queues. */
export const PE_NB_TX = 16;
/** Entry: MTU. */
export const PE_MTU = 20;
/** Entry: `PF_*` flags. */
export const PE_FLAGS = 24;
/** Entry: `LINK_F_*` flags. */
export const PE_LINK = 28;
/** Entry: link speed, Mbps. */
export const PE_LINK_SPEED = 32;
/** Entry: arena offset of the queue block zone. */
export const PE_QUEUES = 36;
/** Entry: arena offset of the driver's private zone. */
export const PE_PRIV = 40;
/** Entry: size of the driver's private zone. */
export const PE_PRIV_SIZE = 44;
/** Entry: primary MAC address, 6 bytes. */
export const PE_MAC = 48;
/** Entry: port name (length byte, UTF-8). */
export const PE_NAME = 64;
/** Entry: driver name (length byte, UTF-8). */
export const PE_DRIVER = 128;
/** Bytes of a name field, its length byte included. */
export const PE_NAME_FIELD_SIZE = 64;
/** Longest port or driver name, in UTF-8 bytes (`RTE_ETH_NAME_MAX_LEN` less its NUL): a name field less its length byte. */
export const ETH_NAME_MAX_LEN = PE_NAME_FIELD_SIZE - 1;

/** Flag: promiscuous mode is on. */
export const PF_PROMISC = 1;
/** Flag: all-multicast mode is on. */
export const PF_ALLMULTI = 2;
/** Flag: the driver can signal link changes (`RTE_ETH_DEV_INTR_LSC`). */
export const PF_INTR_LSC = 4;
/** Flag: the driver can signal removal (`RTE_ETH_DEV_INTR_RMV`). */
export const PF_INTR_RMV = 8;
/** Flag: the port is configured with rx queue interrupts (`intrConf.rxq`). */
export const PF_INTR_RXQ = 16;

/** Link flag: the link is up. */
export const LINK_F_UP = 1;
/** Link flag: full duplex. */
export const LINK_F_FULL_DUPLEX = 2;
/** Link flag: autonegotiated. */
export const LINK_F_AUTONEG = 4;

/** Size of one queue block (one cache line). */
export const QUEUE_BLOCK_SIZE = 64;
/** Queue block: packets (u64 as two u32). */
export const QB_PACKETS = 0;
/** Queue block: bytes (u64). */
export const QB_BYTES = 8;
/** Queue block: errors (u64). */
export const QB_ERRORS = 16;
/** Queue block: rx mbuf allocation failures (u64). */
export const QB_NOMBUF = 24;
/** Queue block: rx packets dropped for want of room (u64). */
export const QB_MISSED = 32;
/** Queue block: 1 once set up. */
export const QB_STATE = 40;
/** Queue block: descriptors. */
export const QB_NB_DESC = 44;
/** Queue block: rx mempool offset. */
export const QB_MEMPOOL = 48;
/** {@link QB_STATE} of a queue that is set up. */
export const QUEUE_SETUP = 1;
/** Queue block: whether the queue is started (`rx_queue_state`), {@link QUEUE_STOPPED} or {@link QUEUE_STARTED}. */
export const QB_RUN = 52;
/** {@link QB_RUN} of a queue that is stopped (`RTE_ETH_QUEUE_STATE_STOPPED`): its bursts return 0. */
export const QUEUE_STOPPED = 0;
/** {@link QB_RUN} of a queue that is started (`RTE_ETH_QUEUE_STATE_STARTED`). */
export const QUEUE_STARTED = 1;

/**
 * Where a port stands, as DPDK's `dev_configured`/`dev_started` plus the slot states:
 * never used, allocated and not configured, configured, started, stopped, closed (the slot
 * is free again but remembers that a port was there, so a late burst returns 0).
 */
export const PortState = {
  UNUSED: 0,
  UNCONFIGURED: 1,
  CONFIGURED: 2,
  STARTED: 3,
  STOPPED: 4,
  CLOSED: 5,
} as const;
/** One of {@link PortState}. */
export type PortState = (typeof PortState)[keyof typeof PortState];

/** The lower-case names of the states, indexed by {@link PortState}. */
export const PORT_STATE_NAMES = ['unused', 'unconfigured', 'configured', 'started', 'stopped', 'closed'] as const;
/** The name of a {@link PortState}. */
export type PortStateName = (typeof PORT_STATE_NAMES)[number];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Reads a 64-bit counter stored as two u32 words at word index `word`. */
export function read64(u32: Uint32Array, word: number): number {
  return u32[word + 1] * 2 ** 32 + u32[word];
}

/**
 * Adds `n` (below 2^32) to the 64-bit counter at word index `word`. Allocates nothing, and
 * stays in 32-bit integer arithmetic: the low word wraps, and a result below the old low
 * word means a carry. (Summing in a double and comparing with 2^32 would cost V8 two
 * conversions and a floating-point add and compare, each a library call under emulation.)
 */
export function add64(u32: Uint32Array, word: number, n: number): void {
  const old = u32[word];
  const low = (old + n) >>> 0;
  u32[word] = low;
  if (low < old) u32[word + 1] += 1;
}

/**
 * A thread's view of one port table entry (and of its queue blocks). Getters read the shared
 * memory every time; setters are for the thread that controls the port.
 */
export class PortData {
  readonly arena: Arena;
  /** The port id: the entry's index in the table. */
  readonly port: number;
  /** Word index (in `arena.u32`) of the entry's first field. */
  readonly #word: number;
  readonly #u32: Uint32Array;
  readonly #byte: number;

  /** @internal Built by {@link PortTable.entry}. */
  constructor(arena: Arena, tableOffset: number, port: number) {
    this.arena = arena;
    this.port = port;
    this.#byte = tableOffset + PORT_TABLE_HEADER_SIZE + port * PORT_ENTRY_SIZE;
    this.#word = this.#byte >>> 2;
    this.#u32 = arena.u32;
  }

  /** Word index in `arena.u32` of an entry field (`PE_*`). */
  fieldWord(field: number): number {
    return this.#word + (field >>> 2);
  }

  /** The port's {@link PortState}. */
  get state(): PortState {
    return Atomics.load(this.#u32, this.#word + (PE_STATE >>> 2)) as PortState;
  }

  set state(value: PortState) {
    Atomics.store(this.#u32, this.#word + (PE_STATE >>> 2), value);
  }

  /** The generation: it changes whenever a queue view built earlier may be stale. */
  get gen(): number {
    return Atomics.load(this.#u32, this.#word + (PE_GEN >>> 2));
  }

  /** Publishes a change: everything written before is visible to a thread that sees the new generation. */
  bumpGen(): void {
    Atomics.add(this.#u32, this.#word + (PE_GEN >>> 2), 1);
  }

  /** Allocation serial of the port in this slot. */
  get serial(): number {
    return this.#u32[this.#word + (PE_SERIAL >>> 2)];
  }

  /** Configured rx queues. */
  get nbRxQueues(): number {
    return this.#u32[this.#word + (PE_NB_RX >>> 2)];
  }

  /** Configured tx queues. */
  get nbTxQueues(): number {
    return this.#u32[this.#word + (PE_NB_TX >>> 2)];
  }

  /** MTU. */
  get mtu(): number {
    return this.#u32[this.#word + (PE_MTU >>> 2)];
  }

  set mtu(value: number) {
    this.#u32[this.#word + (PE_MTU >>> 2)] = value;
  }

  /** `PF_*` flags. */
  get flags(): number {
    return this.#u32[this.#word + (PE_FLAGS >>> 2)];
  }

  /** Sets or clears flag bits. */
  setFlag(flag: number, on: boolean): void {
    const word = this.#word + (PE_FLAGS >>> 2);
    if (on) Atomics.or(this.#u32, word, flag);
    else Atomics.and(this.#u32, word, ~flag);
  }

  /** `LINK_F_*` flags. */
  get linkFlags(): number {
    return Atomics.load(this.#u32, this.#word + (PE_LINK >>> 2));
  }

  /** Link speed, Mbps. */
  get linkSpeed(): number {
    return this.#u32[this.#word + (PE_LINK_SPEED >>> 2)];
  }

  /** Stores the link; returns whether it differs from the one stored before. */
  setLink(flags: number, speed: number): boolean {
    const changed = this.linkFlags !== flags || this.linkSpeed !== speed;
    this.#u32[this.#word + (PE_LINK_SPEED >>> 2)] = speed;
    Atomics.store(this.#u32, this.#word + (PE_LINK >>> 2), flags);
    return changed;
  }

  /** Arena offset of the driver's private zone (0: none). */
  get privOffset(): number {
    return this.#u32[this.#word + (PE_PRIV >>> 2)];
  }

  /** Bytes of the driver's private zone. */
  get privSize(): number {
    return this.#u32[this.#word + (PE_PRIV_SIZE >>> 2)];
  }

  /** Arena offset of the queue block zone (0: none). */
  get queuesOffset(): number {
    return this.#u32[this.#word + (PE_QUEUES >>> 2)];
  }

  /** The primary MAC address (a copy). */
  get mac(): Uint8Array {
    return this.arena.u8.slice(this.#byte + PE_MAC, this.#byte + PE_MAC + MAC_LENGTH);
  }

  set mac(value: Uint8Array) {
    this.arena.u8.set(value.subarray(0, MAC_LENGTH), this.#byte + PE_MAC);
  }

  /** The port name. */
  get name(): string {
    return this.#readName(PE_NAME);
  }

  /** The driver name. */
  get driverName(): string {
    return this.#readName(PE_DRIVER);
  }

  /** Arena byte offset of the block of rx queue `queue`. */
  rxBlock(queue: number): number {
    return this.queuesOffset + queue * QUEUE_BLOCK_SIZE;
  }

  /** Arena byte offset of the block of tx queue `queue`. */
  txBlock(queue: number): number {
    return this.queuesOffset + (this.nbRxQueues + queue) * QUEUE_BLOCK_SIZE;
  }

  /** Whether rx queue `queue` is started. */
  rxQueueStarted(queue: number): boolean {
    return Atomics.load(this.arena.u32, (this.rxBlock(queue) + QB_RUN) >>> 2) === QUEUE_STARTED;
  }

  /** Whether tx queue `queue` is started. */
  txQueueStarted(queue: number): boolean {
    return Atomics.load(this.arena.u32, (this.txBlock(queue) + QB_RUN) >>> 2) === QUEUE_STARTED;
  }

  /** @internal Records whether rx queue `queue` is started; the caller bumps the generation. */
  setRxQueueStarted(queue: number, started: boolean): void {
    Atomics.store(this.arena.u32, (this.rxBlock(queue) + QB_RUN) >>> 2, started ? QUEUE_STARTED : QUEUE_STOPPED);
  }

  /** @internal Records whether tx queue `queue` is started; the caller bumps the generation. */
  setTxQueueStarted(queue: number, started: boolean): void {
    Atomics.store(this.arena.u32, (this.txBlock(queue) + QB_RUN) >>> 2, started ? QUEUE_STARTED : QUEUE_STOPPED);
  }

  /** @internal Claims the slot for a new port (control thread, table lock not needed: one controller). */
  claim(serial: number, name: string, driverName: string): void {
    const u32 = this.#u32;
    this.arena.u8.fill(0, this.#byte + PE_GEN + 4, this.#byte + PORT_ENTRY_SIZE);
    u32[this.#word + (PE_SERIAL >>> 2)] = serial;
    this.#writeName(PE_NAME, name);
    this.#writeName(PE_DRIVER, driverName);
    this.state = PortState.UNCONFIGURED;
    this.bumpGen();
  }

  /** @internal Records the queue counts and the zone of their blocks. */
  setQueues(nbRx: number, nbTx: number, zoneOffset: number): void {
    const u32 = this.#u32;
    u32[this.#word + (PE_NB_RX >>> 2)] = nbRx;
    u32[this.#word + (PE_NB_TX >>> 2)] = nbTx;
    u32[this.#word + (PE_QUEUES >>> 2)] = zoneOffset;
  }

  /** @internal Records the driver's private zone. */
  setPriv(offset: number, size: number): void {
    this.#u32[this.#word + (PE_PRIV >>> 2)] = offset;
    this.#u32[this.#word + (PE_PRIV_SIZE >>> 2)] = size;
  }

  #readName(field: number): string {
    const at = this.#byte + field;
    const length = this.arena.u8[at];
    return decoder.decode(this.arena.u8.slice(at + 1, at + 1 + length));
  }

  #writeName(field: number, value: string): void {
    const bytes = encoder.encode(value);
    const at = this.#byte + field;
    this.arena.u8[at] = bytes.length;
    this.arena.u8.set(bytes, at + 1);
  }
}

/** Bytes of a MAC address. */
export const MAC_LENGTH = 6;

/** Checks a port or driver name: 1 to {@link ETH_NAME_MAX_LEN} UTF-8 bytes. */
export function checkPortName(what: string, name: unknown): string {
  if (typeof name !== 'string') throw new TypeError(`${what} must be a string, got ${typeof name}`);
  const length = encoder.encode(name).length;
  if (length === 0 || length > ETH_NAME_MAX_LEN) {
    throw new NicError('NIC_EINVAL', `${what} '${name}' must be 1 to ${ETH_NAME_MAX_LEN} UTF-8 bytes, it is ${length}`);
  }
  return name;
}

const tables = new WeakMap<Arena, PortTable>();

/** A thread's view of the port table of one arena. */
export class PortTable {
  readonly arena: Arena;
  /** Arena offset of the table. */
  readonly offset: number;
  readonly #entries: PortData[] = [];

  private constructor(arena: Arena, offset: number) {
    this.arena = arena;
    this.offset = offset;
  }

  /** The table of `arena`, created on first use. */
  static of(arena: Arena): PortTable {
    return PortTable.find(arena) ?? PortTable.#create(arena);
  }

  /** The table of `arena`, or undefined when no port was ever allocated there. */
  static find(arena: Arena): PortTable | undefined {
    const known = tables.get(arena);
    if (known) return known;
    let offset: number;
    try {
      offset = memzoneLookup(arena, ETH_PORTS_MZ).offset;
    } catch (e) {
      if (e instanceof NicError && e.code === 'NIC_ENOENT') return undefined;
      throw e;
    }
    if (Atomics.load(arena.u32, (offset + PT_MAGIC) >>> 2) !== PORT_TABLE_MAGIC) return undefined;
    return PortTable.#remember(arena, offset);
  }

  static #create(arena: Arena): PortTable {
    const zone = memzoneReserve(arena, ETH_PORTS_MZ, PORT_TABLE_HEADER_SIZE + ETH_MAX_PORTS * PORT_ENTRY_SIZE);
    arena.u32[(zone.offset + PT_NEXT_SERIAL) >>> 2] = 1;
    Atomics.store(arena.u32, (zone.offset + PT_MAGIC) >>> 2, PORT_TABLE_MAGIC);
    return PortTable.#remember(arena, zone.offset);
  }

  static #remember(arena: Arena, offset: number): PortTable {
    const table = new PortTable(arena, offset);
    tables.set(arena, table);
    return table;
  }

  /** The entry of `port` (0 to {@link ETH_MAX_PORTS} - 1). */
  entry(port: number): PortData {
    let data = this.#entries[port];
    if (!data) {
      data = new PortData(this.arena, this.offset, port);
      this.#entries[port] = data;
    }
    return data;
  }

  /** A fresh allocation serial. */
  nextSerial(): number {
    const word = (this.offset + PT_NEXT_SERIAL) >>> 2;
    const serial = Atomics.add(this.arena.u32, word, 1);
    return serial === 0 ? Atomics.add(this.arena.u32, word, 1) : serial;
  }
}
