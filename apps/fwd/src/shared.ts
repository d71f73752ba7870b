/**
 * The memory the main thread and the forwarding lcores share, one SharedArrayBuffer:
 *
 * | bytes             | what                                                             |
 * |-------------------|------------------------------------------------------------------|
 * | 0 .. 63           | control words (Int32): {@link CTL_STATE}, {@link CTL_STREAMS}, {@link CTL_BURST_BINS} |
 * | 64 ..             | per stream, {@link STREAM_FIELDS} float64 counters: {@link SC_RX}, {@link SC_TX}, {@link SC_DROPPED} |
 * | then              | with `--record-burst-stats`, per stream, an rx then a tx burst spread: float64 counts of the bursts of 0 .. burst packets |
 *
 * Each stream's counters are written by the one thread running the stream, with plain
 * stores; others read them as a snapshot. Counts stay exact up to 2^53.
 */

/** Control word: {@link STATE_RUN} or {@link STATE_STOP}. */
export const CTL_STATE = 0;
/** The lcores forward. */
export const STATE_RUN = 0;
/** The lcores return as soon as they finish their current pass. */
export const STATE_STOP = 1;
/** Control word: how many streams the counters are for. */
export const CTL_STREAMS = 1;
/** Control word: entries of each burst spread (burst + 1), or 0 when bursts are not recorded. */
export const CTL_BURST_BINS = 2;
/** Bytes of the control area. */
const CONTROL_BYTES = 64;

/** Stream counter: packets received. */
export const SC_RX = 0;
/** Stream counter: packets the tx queue took. */
export const SC_TX = 1;
/** Stream counter: packets the tx queue refused, freed (testpmd's `fwd_dropped`). */
export const SC_DROPPED = 2;
/** Counters per stream. */
export const STREAM_FIELDS = 3;

/** Which burst spread of a stream: bursts received. */
export const SPREAD_RX = 0;
/** Which burst spread of a stream: bursts transmitted (packets the tx queue took). */
export const SPREAD_TX = 1;
/** Burst spreads per stream. */
const SPREADS = 2;

/** One stream's counters. */
export interface StreamCounts {
  readonly rx: number;
  readonly tx: number;
  readonly dropped: number;
}

/** A thread's view of the shared control words and stream counters. */
export class SharedState {
  readonly buffer: SharedArrayBuffer;
  /** Control words. */
  readonly control: Int32Array;
  /** Stream counters, {@link STREAM_FIELDS} per stream. */
  readonly counters: Float64Array;
  /**
   * Burst spreads, {@link SharedState.burstBins} entries each, rx then tx per stream: entry n
   * counts the bursts of n packets. Empty when bursts are not recorded.
   */
  readonly bursts: Float64Array;
  /** Entries of one burst spread (the burst size + 1), 0 when bursts are not recorded. */
  readonly burstBins: number;

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / Int32Array.BYTES_PER_ELEMENT);
    const nbStreams = this.control[CTL_STREAMS];
    this.burstBins = this.control[CTL_BURST_BINS];
    this.counters = new Float64Array(buffer, CONTROL_BYTES, nbStreams * STREAM_FIELDS);
    this.bursts = new Float64Array(buffer, CONTROL_BYTES + this.counters.byteLength, nbStreams * SPREADS * this.burstBins);
  }

  /**
   * Fresh shared memory for `nbStreams` streams, state {@link STATE_RUN}, counters zero;
   * with `burstBins` above 0, burst spreads of that many entries (burst size + 1).
   */
  static create(nbStreams: number, burstBins = 0): SharedState {
    const f64 = Float64Array.BYTES_PER_ELEMENT;
    const buffer = new SharedArrayBuffer(CONTROL_BYTES + nbStreams * (STREAM_FIELDS + SPREADS * burstBins) * f64);
    const control = new Int32Array(buffer, 0, CONTROL_BYTES / Int32Array.BYTES_PER_ELEMENT);
    control[CTL_STREAMS] = nbStreams;
    control[CTL_BURST_BINS] = burstBins;
    return new SharedState(buffer);
  }

  /** Index in {@link SharedState.bursts} of entry 0 of stream `index`'s spread `which` ({@link SPREAD_RX} or {@link SPREAD_TX}). */
  spreadAt(index: number, which: number): number {
    return (index * SPREADS + which) * this.burstBins;
  }

  /** A copy of stream `index`'s spread `which`; empty when bursts are not recorded. */
  spread(index: number, which: number): number[] {
    const at = this.spreadAt(index, which);
    return Array.from(this.bursts.subarray(at, at + this.burstBins));
  }

  /** Tells every lcore to stop. */
  stop(): void {
    Atomics.store(this.control, CTL_STATE, STATE_STOP);
  }

  /** Whether the lcores were told to stop. */
  stopped(): boolean {
    return Atomics.load(this.control, CTL_STATE) === STATE_STOP;
  }

  /** The counters of stream `index`. */
  stream(index: number): StreamCounts {
    const at = index * STREAM_FIELDS;
    return { rx: this.counters[at + SC_RX], tx: this.counters[at + SC_TX], dropped: this.counters[at + SC_DROPPED] };
  }
}
