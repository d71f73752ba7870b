/**
 * What a forwarding engine is: the work a stream does on each burst between its rx queue and
 * its tx queue. Engines are built once per stream on the lcore that runs it and allocate
 * nothing per burst.
 */
import type { MbufView, Mempool } from '@nic/eal';
import type { Stream } from '../config.js';
import type { ForwardMode } from '../options.js';

/** What txonly generates (testpmd's txonly settings). */
export interface TxonlyConfig {
  /** Frame length, Ethernet header included. */
  readonly length: number;
  /** Flows: consecutive UDP source ports from {@link TxonlyConfig.udpSrc}. */
  readonly flows: number;
  /** IPv4 source address, as a 32-bit number. */
  readonly ipSrc: number;
  /** IPv4 destination address, as a 32-bit number. */
  readonly ipDst: number;
  readonly udpSrc: number;
  readonly udpDst: number;
}

/** What an engine may use, on the thread that runs the stream. */
export interface EngineContext {
  readonly stream: Stream;
  /** This thread's mbuf accessors. */
  readonly mbufs: MbufView;
  /** The arena's bytes. */
  readonly u8: Uint8Array;
  /** The arena's 32-bit words. */
  readonly u32: Uint32Array;
  /** The pool generated packets come from. */
  readonly pool: Mempool;
  /** MAC address of the stream's tx port. */
  readonly txMac: Uint8Array;
  /** Destination MAC for the stream's tx port (`--eth-peer`, default `02:00:00:00:00:<port>`). */
  readonly peerMac: Uint8Array;
  readonly txonly: TxonlyConfig;
}

/** One stream's engine. */
export interface BurstEngine {
  /**
   * A forwarding engine rewrites the packets `handles[0 .. n)` in place and returns `n`; a
   * source (txonly) fills `handles[0 .. n)` with new packets and returns how many it made.
   */
  apply(handles: Uint32Array, n: number): number;
}

/** A forwarding mode: whether its streams receive and transmit, and how to build its engine. */
export interface EngineSpec {
  readonly mode: ForwardMode;
  /** The stream polls its rx queue (false for a source). */
  readonly receives: boolean;
  /** The stream transmits what it has (false for a sink, which frees it). */
  readonly transmits: boolean;
  create(ctx: EngineContext): BurstEngine;
}

/** The engine that leaves packets as they are (io, rxonly). */
export const PASS_THROUGH: BurstEngine = { apply: (_handles, n) => n };
