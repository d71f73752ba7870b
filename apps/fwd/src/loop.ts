/**
 * The forwarding loop of one lcore: a pass polls every stream of the lcore once. Per stream:
 * receive a burst (or generate one), let the engine work on it, capture it, transmit it,
 * free and count what the tx queue refused; with `--record-burst-stats`, count each burst by
 * its size. Everything is allocated when the loop is built; a pass allocates nothing. The
 * burst array lies in the arena (a memzone of the loop's own), so WebAssembly kernels (the
 * txonly writer, PMD tx fills) read it where it is.
 */
import { performance } from 'node:perf_hooks';
import { threadId } from 'node:worker_threads';
import { Mempool, MbufView, memzoneFree, memzoneReserve, type Arena } from '@nic/eal';
import { parseMac, rxBurst, txBurst } from '@nic/ethdev';
import type { PlacedStream } from './config.js';
import { ENGINES, type BurstEngine, type TxonlyConfig } from './engines/index.js';
import { PcapWriter } from './pcap.js';
import { SC_DROPPED, SC_RX, SC_TX, SPREAD_RX, SPREAD_TX, STREAM_FIELDS, type SharedState } from './shared.js';

/** A stream with the addresses its engine needs. */
export interface StreamSetup extends PlacedStream {
  /** MAC address of the tx port. */
  readonly txMac: string;
  /** Destination MAC for the tx port (`--eth-peer`). */
  readonly peerMac: string;
}

/** Where forwarded packets are captured. */
export interface PcapTarget {
  /** A file whose header is written. */
  readonly path: string;
  readonly snaplen: number;
}

/** Everything a loop needs; structured-cloneable, so it can be sent to a worker lcore. */
export interface LoopSetup {
  readonly streams: readonly StreamSetup[];
  readonly burst: number;
  /** Name of the mbuf pool txonly allocates from. */
  readonly poolName: string;
  readonly txonly: TxonlyConfig;
  readonly pcap: PcapTarget | undefined;
}

/** Passes between two looks at the clock in {@link ForwardLoop.runUntil}. */
const PASSES_PER_CLOCK = 64;
/** Bytes of a handle. */
const HANDLE_BYTES = 4;
/** Loops built on this thread so far: with the thread id, it names each loop's memzone. */
let loopsBuilt = 0;

/** One stream as the loop runs it. */
class RunningStream {
  constructor(
    readonly rxPort: number,
    readonly rxQueue: number,
    readonly txPort: number,
    readonly txQueue: number,
    readonly receives: boolean,
    readonly transmits: boolean,
    readonly engine: BurstEngine,
    /** Index of the stream's first counter. */
    readonly at: number,
    /** Index of entry 0 of the stream's rx burst spread (`--record-burst-stats`). */
    readonly rxSpread: number,
    /** Index of entry 0 of the stream's tx burst spread. */
    readonly txSpread: number,
  ) {}
}

/** The streams of one lcore and the loop over them. */
export class ForwardLoop {
  readonly #streams: RunningStream[];
  readonly #counters: Float64Array;
  /** The shared burst spreads, or undefined when bursts are not recorded. */
  readonly #bursts: Float64Array | undefined;
  readonly #mbufs: MbufView;
  readonly #pool: Mempool;
  readonly #handles: Uint32Array;
  readonly #arena: Arena;
  /** The memzone of the burst array. */
  readonly #zone: string;
  readonly #burst: number;
  readonly #pcap: PcapWriter | undefined;
  /** Whether sources (txonly) generate; off while draining. */
  #sources = true;

  /** Builds the loop on the calling thread, which sees the arena as `arena`. */
  constructor(arena: Arena, shared: SharedState, setup: LoopSetup) {
    this.#counters = shared.counters;
    this.#bursts = shared.burstBins > 0 ? shared.bursts : undefined;
    this.#mbufs = new MbufView(arena);
    this.#pool = Mempool.lookup(arena, setup.poolName);
    this.#burst = setup.burst;
    this.#pcap = setup.pcap && new PcapWriter(setup.pcap.path, setup.burst, this.#mbufs, arena.u8, setup.pcap.snaplen);
    this.#streams = setup.streams.map((s) => {
      const spec = ENGINES[s.mode];
      const engine = spec.create({
        stream: s,
        mbufs: this.#mbufs,
        u8: arena.u8,
        u32: arena.u32,
        pool: this.#pool,
        txMac: parseMac(s.txMac),
        peerMac: parseMac(s.peerMac),
        txonly: setup.txonly,
      });
      const at = s.index * STREAM_FIELDS;
      return new RunningStream(s.rxPort, s.rxQueue, s.txPort, s.txQueue, spec.receives, spec.transmits, engine, at, shared.spreadAt(s.index, SPREAD_RX), shared.spreadAt(s.index, SPREAD_TX));
    });
    // Last, so that nothing after it can throw and leave the memzone behind.
    this.#arena = arena;
    this.#zone = `fwd_burst_${threadId}_${loopsBuilt++}`;
    const zone = memzoneReserve(arena, this.#zone, setup.burst * HANDLE_BYTES);
    this.#handles = new Uint32Array(arena.buffer, zone.offset, setup.burst);
  }

  /** Polls every stream once; returns the packets received or generated. */
  runPass(): number {
    let moved = 0;
    const streams = this.#streams;
    for (let i = 0; i < streams.length; i++) moved += this.#runStream(streams[i]);
    return moved;
  }

  /**
   * Runs passes until `shared` says stop or `deadline` (a `performance.now()` time) passes;
   * returns how many.
   */
  runUntil(shared: SharedState, deadline: number): number {
    let passes = 0;
    while (!shared.stopped()) {
      for (let i = 0; i < PASSES_PER_CLOCK; i++) this.runPass();
      passes += PASSES_PER_CLOCK;
      if (performance.now() >= deadline) break;
    }
    return passes;
  }

  /** Stops the sources: later passes only forward what arrives. */
  stopSources(): void {
    this.#sources = false;
  }

  /** Writes out the capture, hands this thread's cached mbufs back to the pool and frees the burst array. */
  finish(): void {
    this.#pcap?.close();
    this.#pool.cacheFlush();
    memzoneFree(this.#arena, this.#zone);
  }

  #runStream(s: RunningStream): number {
    const handles = this.#handles;
    const counters = this.#counters;
    const bursts = this.#bursts;
    let n = this.#burst;
    if (s.receives) {
      n = rxBurst(s.rxPort, s.rxQueue, handles, n);
      if (bursts !== undefined) bursts[s.rxSpread + n]++;
      if (n === 0) return 0;
      counters[s.at + SC_RX] += n;
    } else if (!this.#sources) {
      return 0;
    }
    n = s.engine.apply(handles, n);
    if (n === 0) return 0;
    if (!s.transmits) {
      this.#mbufs.freeBulk(handles, n);
      return n;
    }
    this.#pcap?.stage(handles, n);
    const sent = txBurst(s.txPort, s.txQueue, handles, n);
    this.#pcap?.commit(sent);
    counters[s.at + SC_TX] += sent;
    if (bursts !== undefined) bursts[s.txSpread + sent]++;
    if (sent < n) {
      this.#mbufs.freeBulk(handles, n - sent, sent);
      counters[s.at + SC_DROPPED] += n - sent;
    }
    return n;
  }
}
