/**
 * The memory the main thread and the forwarding lcores share, one SharedArrayBuffer:
 *
 * | bytes             | what                                                             |
 * |-------------------|------------------------------------------------------------------|
 * | 0 .. 63           | control words (Int32): {@link CTL_STATE}                         |
 * | 64 ..             | per stream, {@link STREAM_FIELDS} float64 counters: {@link SC_RX}, {@link SC_TX}, {@link SC_DROPPED} |
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

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.control = new Int32Array(buffer, 0, CONTROL_BYTES / Int32Array.BYTES_PER_ELEMENT);
    this.counters = new Float64Array(buffer, CONTROL_BYTES);
  }

  /** Fresh shared memory for `nbStreams` streams, state {@link STATE_RUN}, counters zero. */
  static create(nbStreams: number): SharedState {
    return new SharedState(new SharedArrayBuffer(CONTROL_BYTES + nbStreams * STREAM_FIELDS * Float64Array.BYTES_PER_ELEMENT));
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
