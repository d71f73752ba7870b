/**
 * A forwarding run from start to finish: the mbuf pool, the ports, the streams on their
 * lcores, then, on shutdown, the lcores told to stop, the rx queues drained, the totals taken,
 * the ports stopped and closed and the mbufs counted back into the pool.
 *
 * Worker lcores run the loop of `lcore.ts`, loaded from dist. When the only forwarding lcore
 * is the main one, the main thread forwards in slices and yields to the event loop between
 * them, so that timers (statistics, `--duration`) and signals still run. With
 * `--rx-interrupts` each worker gets a NAPI control block, whose stop wakes it from its sleep.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { pktmbufDataRoomSize, pktmbufPoolCreate, type Eal, type Mempool } from '@nic/eal';
import { MBUF_DEFAULT_BUF_SIZE, MBUF_HEADROOM } from '@nic/eal/layout';
import { close, macAddrGet, stop } from '@nic/ethdev';
import { NapiControl, PAUSE_DEFAULT_US, startPauseWatchdog, type NapiStats } from '@nic/intr';
import { defaultPeerMac, placeStreams, streamLcores, type PlacedStream, type Stream } from './config.js';
import type { TxonlyConfig } from './engines/index.js';
import { GcCounter } from './gc-counter.js';
import type { LcoreReport, LcoreTask } from './lcore.js';
import { ForwardLoop, type LoopSetup, type StreamSetup } from './loop.js';
import { FwdUsageError, type FwdOptions } from './options.js';
import { createPcapFile } from './pcap.js';
import { setupPort } from './ports.js';
import { SharedState, SPREAD_RX, SPREAD_TX, type StreamCounts } from './shared.js';
import { sumSpreads } from './bursts.js';
import { StatsMonitor, type PortCounts } from './stats.js';

/** Name of nic-fwd's mbuf pool. */
export const MBUF_POOL_NAME = 'mbuf_pool';
/** Fewest mbufs in the pool (l2fwd's floor). */
export const MIN_MBUFS = 8192;
/** Descriptors counted per queue when `--rxd`/`--txd` leave it to the driver (l2fwd's 1024). */
export const DEFAULT_DESCRIPTORS = 1024;
/** Milliseconds the main thread forwards before yielding to the event loop. */
const SLICE_MS = 5;
/** Most passes of the drain that follows the lcores' stop. */
const DRAIN_MAX_PASSES = 1000;

/** What to run. */
export interface ForwarderPlan {
  readonly eal: Eal;
  readonly options: FwdOptions;
  /** Ports to set up and report on. */
  readonly ports: readonly number[];
  readonly streams: readonly Stream[];
  /** Forwarding lcores; the streams are dealt to them in order. */
  readonly lcores: readonly number[];
}

/** A stream and its counts at the end. */
export type StreamTotals = PlacedStream & StreamCounts;

/** What a run did, taken after the drain. */
export interface FinalReport {
  /** Seconds from launch to the stop request. */
  readonly seconds: number;
  readonly ports: PortCounts[];
  readonly streams: StreamTotals[];
  readonly lcores: LcoreReport[];
  /** The pool after the ports stopped: every mbuf should be back. */
  readonly mbufs: { readonly pool: string; readonly size: number; readonly available: number };
}

/**
 * The mbufs a run needs (l2fwd's formula): per port, its rx and tx descriptors, a burst and
 * every lcore's cache; at least {@link MIN_MBUFS}.
 */
export function mbufCount(options: FwdOptions, nbPorts: number, nbLcores: number): number {
  if (options.totalNumMbufs !== undefined) return options.totalNumMbufs;
  const rxd = options.rxd || DEFAULT_DESCRIPTORS;
  const txd = options.txd || DEFAULT_DESCRIPTORS;
  const perPort = options.rxq * rxd + options.txq * txd + options.burst + nbLcores * options.mbcache;
  return Math.max(nbPorts * perPort, MIN_MBUFS);
}

/** What txonly generates, from the options. */
export function txonlyConfig(options: FwdOptions): TxonlyConfig {
  return {
    length: options.txPktLen,
    flows: options.txFlows,
    ipSrc: options.txIpSrc,
    ipDst: options.txIpDst,
    udpSrc: options.txUdpSrc,
    udpDst: options.txUdpDst,
  };
}

/** The built `lcore.js` next to the built `main.js`: worker threads cannot load TypeScript. */
function lcoreModuleUrl(): URL {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  const file = join(dir, 'dist', 'lcore.js');
  if (!existsSync(file)) throw new Error(`${file} is missing: build nic-fwd first (npm run build -w @nic/fwd)`);
  return pathToFileURL(file);
}

/** A running forwarder. */
export class Forwarder {
  readonly eal: Eal;
  readonly streams: readonly StreamSetup[];
  readonly monitor: StatsMonitor;
  readonly #plan: ForwarderPlan;
  readonly #pool: Mempool;
  readonly #shared: SharedState;
  readonly #setup: LoopSetup;
  readonly #mainLoop: ForwardLoop | undefined;
  /** What each forwarding lcore reports when it stops, the main one first. */
  readonly #results: Promise<LcoreReport>[] = [];
  /** The control blocks of the worker lcores' loops, with `--rx-interrupts` or `--pmd-mgmt`. */
  readonly #napis: { readonly lcore: number; readonly control: NapiControl }[] = [];
  /** With `--pmd-mgmt=pause`: stops the watchdog that bounds the lcores' pauses. */
  #stopWatchdog: (() => void) | undefined;
  /** Settles with the first lcore failure; never while all is well. */
  readonly failed: Promise<Error>;
  readonly #started = performance.now();
  #stopped: number | undefined;
  #shutdown: Promise<FinalReport> | undefined;

  private constructor(plan: ForwarderPlan, pool: Mempool) {
    const { eal, options } = plan;
    this.eal = eal;
    this.#plan = plan;
    this.#pool = pool;
    this.streams = placeStreams(plan.streams, plan.lcores).map((s) => ({
      ...s,
      txMac: macAddrGet(s.txPort),
      peerMac: options.ethPeers.get(s.txPort) ?? defaultPeerMac(s.txPort),
    }));
    this.#shared = SharedState.create(this.streams.length, options.recordBurstStats ? options.burst + 1 : 0);
    const snaplen = pktmbufDataRoomSize(pool) - MBUF_HEADROOM;
    if (options.pcap !== undefined) createPcapFile(options.pcap, snaplen);
    this.#setup = {
      streams: this.streams,
      burst: options.burst,
      poolName: pool.name,
      txonly: txonlyConfig(options),
      pcap: options.pcap === undefined ? undefined : { path: options.pcap, snaplen },
    };
    this.monitor = new StatsMonitor(plan.ports, (port) => this.fwdDropped(port));
    if (options.txFirst) this.#sendFirst();
    const main = eal.lcores.mainLcore;
    if (this.streams.some((s) => s.lcore === main)) {
      this.#mainLoop = new ForwardLoop(eal.arena, this.#shared, this.#setupFor(main));
      this.#results.push(this.#runOnMain(this.#mainLoop));
    }
    try {
      this.#launchWorkers(streamLcores(this.streams).filter((l) => l !== main));
    } catch (e) {
      // Lcores already run on the ports and the pool: the failure goes the way of an lcore
      // failure, and shutdown() stops them before it tears the ports down.
      this.#results.push(Promise.reject(e));
    }
    this.failed = new Promise((resolve) => {
      for (const result of this.#results) result.catch((e: unknown) => resolve(e instanceof Error ? e : new Error(String(e))));
    });
  }

  /** Launches the forwarding loop on each worker lcore of `workers`. */
  #launchWorkers(workers: readonly number[]): void {
    if (workers.length === 0) return;
    const { eal, options } = this.#plan;
    const url = lcoreModuleUrl();
    for (const lcore of workers) {
      const napi = options.rxInterrupts || options.pmdMgmt !== undefined ? NapiControl.create() : undefined;
      if (napi) this.#napis.push({ lcore, control: napi });
      const task: LcoreTask = { setup: this.#setupFor(lcore), shared: this.#shared.buffer, napi: napi?.shared, ...this.#idle() };
      eal.lcores.remoteLaunch(lcore, url, 'forwardLcore', task);
      this.#results.push(eal.lcores.waitLcore(lcore) as Promise<LcoreReport>);
    }
    if (options.pmdMgmt !== undefined) this.#stopWatchdog = startPauseWatchdog(this.#napis.map((n) => n.control));
  }

  /** What a worker lcore's task says about pausing: the pause length and the empty-poll threshold, where given. */
  #idle(): Pick<LcoreTask, 'pauseUs' | 'maxEmptyPoll'> {
    const { options } = this.#plan;
    return {
      ...(options.pmdMgmt === 'pause' && { pauseUs: options.pauseUs ?? PAUSE_DEFAULT_US }),
      ...(options.maxEmptyPoll !== undefined && { maxEmptyPoll: options.maxEmptyPoll }),
    };
  }

  /**
   * Creates the pool, sets up and starts the ports and launches the lcores. An lcore that
   * cannot be launched (`NIC_EBUSY`, `lcore.js` missing, no eventfd for `--rx-interrupts`)
   * fails the run as an lcore failure would: {@link Forwarder.failed} settles with the error
   * and {@link Forwarder.shutdown} stops the lcores launched before it, tears down and
   * throws it.
   * @throws NicError or Error when a port cannot be set up or the pool not created; what
   *   was set up is undone. FwdUsageError for `--rx-interrupts` without a worker lcore.
   */
  static start(plan: ForwarderPlan): Forwarder {
    const { eal, options, ports } = plan;
    if (options.rxInterrupts && plan.lcores.includes(eal.lcores.mainLcore)) {
      throw new FwdUsageError('--rx-interrupts', 'the main lcore cannot sleep on queue interrupts: give -l a worker lcore (-l 0,1)');
    }
    if (options.pmdMgmt !== undefined && plan.lcores.includes(eal.lcores.mainLcore)) {
      throw new FwdUsageError('--pmd-mgmt', 'the main lcore cannot pause (it runs the statistics and the signals): give -l a worker lcore (-l 0,1)');
    }
    const pool = pktmbufPoolCreate(eal.arena, MBUF_POOL_NAME, mbufCount(options, ports.length, plan.lcores.length), options.mbcache, 0, MBUF_DEFAULT_BUF_SIZE);
    const started: number[] = [];
    try {
      for (const port of ports) {
        started.push(port);
        setupPort(port, { rxq: options.rxq, txq: options.txq, rxd: options.rxd, txd: options.txd, pool, txOffloads: options.txOffloads, rxInterrupts: options.rxInterrupts });
      }
      return new Forwarder(plan, pool);
    } catch (e) {
      for (const port of started) {
        stop(port);
        close(port);
      }
      pool.free();
      throw e;
    }
  }

  /** Seconds since launch (up to the stop request once there was one). */
  seconds(): number {
    return ((this.#stopped ?? performance.now()) - this.#started) / 1000;
  }

  /** Packets the streams transmitting on `port` had to drop so far. */
  fwdDropped(port: number): number {
    let dropped = 0;
    for (const s of this.streams) if (s.txPort === port) dropped += this.#shared.stream(s.index).dropped;
    return dropped;
  }

  /** With `--rx-interrupts` or `--pmd-mgmt`, each worker lcore's polling and sleeping so far; otherwise none. */
  sleepStats(): { lcore: number; napi: NapiStats; pauseUs?: number }[] {
    const { pauseUs } = this.#idle();
    return this.#napis.map(({ lcore, control }) => ({ lcore, napi: control.stats(), ...(pauseUs !== undefined && { pauseUs }) }));
  }

  /** Each stream with its counts so far. */
  streamTotals(): StreamTotals[] {
    return this.streams.map(({ txMac: _txMac, peerMac: _peerMac, ...s }) => ({ ...s, ...this.#shared.stream(s.index) }));
  }

  /**
   * Stops forwarding and tears the run down: lcores stop, the main lcore drains what the rx
   * queues still hold (without generating), the totals are taken, the ports are stopped (the
   * drivers give back the mbufs they hold), the pool is counted, the ports closed and the
   * pool freed. Calling it again returns the same report.
   * @throws the first lcore failure, once everything is torn down.
   */
  shutdown(): Promise<FinalReport> {
    this.#shutdown ??= this.#teardown();
    return this.#shutdown;
  }

  async #teardown(): Promise<FinalReport> {
    this.#stopped = performance.now();
    this.#shared.stop();
    this.#stopWatchdog?.();
    for (const napi of this.#napis) napi.control.stop();
    const settled = await Promise.allSettled(this.#results);
    for (const napi of this.#napis.splice(0)) napi.control.close();
    let ports: PortCounts[];
    let streams: StreamTotals[];
    let mbufs: FinalReport['mbufs'];
    try {
      const drain = this.#mainLoop ?? new ForwardLoop(this.eal.arena, this.#shared, this.#setup);
      drain.stopSources();
      for (let pass = 0; pass < DRAIN_MAX_PASSES && drain.runPass() > 0; pass++);
      drain.finish();
      ports = this.withBursts(this.monitor.counts());
      streams = this.streamTotals();
    } finally {
      for (const port of this.#plan.ports) stop(port);
      mbufs = { pool: this.#pool.name, size: this.#pool.size, available: this.#pool.availCount() };
      for (const port of this.#plan.ports) close(port);
      this.#pool.free();
    }
    const lcores: LcoreReport[] = [];
    for (const result of settled) {
      if (result.status === 'rejected') throw result.reason;
      lcores.push(result.value);
    }
    return { seconds: this.seconds(), ports, streams, lcores, mbufs };
  }

  /** `ports` with their burst spreads so far, summed over their streams, when bursts are recorded. */
  withBursts<T extends PortCounts>(ports: T[]): T[] {
    if (this.#shared.burstBins === 0) return ports;
    const spreads = (port: number, which: number): number[] =>
      sumSpreads(this.streams.filter((s) => (which === SPREAD_RX ? s.rxPort : s.txPort) === port).map((s) => this.#shared.spread(s.index, which)));
    return ports.map((c) => ({ ...c, rxBursts: spreads(c.port, SPREAD_RX), txBursts: spreads(c.port, SPREAD_TX) }));
  }

  #setupFor(lcore: number): LoopSetup {
    return { ...this.#setup, streams: this.streams.filter((s) => s.lcore === lcore) };
  }

  /** testpmd's `--tx-first`: one burst of txonly packets on every stream, counted apart. */
  #sendFirst(): void {
    const streams = this.streams.map((s) => ({ ...s, mode: 'txonly' as const }));
    const loop = new ForwardLoop(this.eal.arena, SharedState.create(streams.length), { ...this.#setup, streams, pcap: undefined });
    loop.runPass();
    loop.finish();
  }

  /** Forwards on the main thread in slices of {@link SLICE_MS} until the stop request. */
  #runOnMain(loop: ForwardLoop): Promise<LcoreReport> {
    const gcs = new GcCounter();
    const heapBefore = getHeapStatistics().used_heap_size;
    let passes = 0;
    return new Promise((resolve, reject) => {
      const slice = (): void => {
        try {
          passes += loop.runUntil(this.#shared, performance.now() + SLICE_MS);
        } catch (e) {
          this.#shared.stop();
          reject(e);
          return;
        }
        if (!this.#shared.stopped()) {
          setImmediate(slice);
          return;
        }
        resolve({ lcore: this.eal.lcores.mainLcore, passes, heapBefore, heapAfter: getHeapStatistics().used_heap_size, gcs: gcs.stop() });
      };
      setImmediate(slice);
    });
  }
}
