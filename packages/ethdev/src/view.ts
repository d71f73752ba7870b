/**
 * Each thread's cached queue views: an array indexed by port id, each entry holding the
 * driver's rx and tx queue objects for that thread and the generation of the shared port
 * data it was built from. A burst compares that generation with the shared one (one atomic
 * load) and rebuilds the entry when the port changed: that is how a port configured and
 * started on the main thread becomes pollable on any lcore.
 */
import { lcoreArena, NicError, type Arena } from '@nic/eal';
import type { RxQueueIntr } from '@nic/intr';
import type { RxQueue, TxQueue } from './ops.js';
import { findDev } from './port.js';
import { ethdevDriver } from './registry.js';
import { ETH_MAX_PORTS, PE_GEN, PF_INTR_RXQ, PortState, PortTable, type PortData } from './shared.js';

/** One thread's view of one port. */
export interface PortView {
  /** The arena's words, where the generation lives. */
  readonly u32: Uint32Array;
  /** Word index of the port's generation. */
  readonly genWord: number;
  /** The generation this view was built from. */
  readonly gen: number;
  readonly started: boolean;
  readonly rx: readonly RxQueue[];
  readonly tx: readonly TxQueue[];
  /** Rx queue interrupts, when the port was configured with `intrConf.rxq` and the driver has them. */
  readonly rxIntrs: readonly RxQueueIntr[];
  readonly data: PortData;
}

const VIEWS_KEY = Symbol.for('nic.ethdev.views.v1');

function threadViews(): (PortView | undefined)[] {
  const g = globalThis as { [VIEWS_KEY]?: (PortView | undefined)[] };
  return (g[VIEWS_KEY] ??= new Array<PortView | undefined>(ETH_MAX_PORTS).fill(undefined));
}

/** This thread's views, indexed by port id. */
export const views = threadViews();

/** Forgets this thread's view of `port` (its port was released or reallocated). */
export function dropView(port: number): void {
  views[port] = undefined;
}

function arenaOf(port: number): Arena {
  const d = findDev(port);
  if (d) return d.eal.arena;
  const arena = lcoreArena();
  if (!arena) throw new NicError('NIC_ENODEV', `port ${port}: this thread has no EAL arena (run it on an lcore of the EAL instance)`);
  return arena;
}

/**
 * This thread's current view of `port`, rebuilt from the shared data when stale. Views of
 * closed ports are not kept, so nothing here outlives the arena of a released port.
 * @throws NicError `NIC_ENODEV` for an id no port ever had in this thread's arena, or a
 *   started port whose driver this thread did not register.
 */
export function currentView(port: number): PortView {
  if (!(Number.isInteger(port) && port >= 0 && port < ETH_MAX_PORTS)) {
    throw new NicError('NIC_ENODEV', `${String(port)} is not a port id (0..${ETH_MAX_PORTS - 1})`);
  }
  const cached = views[port];
  if (cached && Atomics.load(cached.u32, cached.genWord) === cached.gen) return cached;
  const arena = arenaOf(port);
  const data = PortTable.find(arena)?.entry(port);
  if (!data || data.state === PortState.UNUSED) throw new NicError('NIC_ENODEV', `port ${port} does not exist`);
  for (;;) {
    const gen = data.gen;
    const view = build(data, gen);
    if (data.gen !== gen) continue;
    views[port] = data.state === PortState.CLOSED ? undefined : view;
    return view;
  }
}

/** The view of a stopped queue of a started port: its bursts move nothing. */
const STOPPED_QUEUE: RxQueue & TxQueue = {
  rxBurst: () => 0,
  txBurst: () => 0,
};

function build(data: PortData, gen: number): PortView {
  const started = data.state === PortState.STARTED;
  const base = { u32: data.arena.u32, genWord: data.fieldWord(PE_GEN), gen, started, data };
  if (!started) return { ...base, rx: [], tx: [], rxIntrs: [] };
  const driver = ethdevDriver(data.driverName);
  const rx = Array.from({ length: data.nbRxQueues }, (_, q) => (data.rxQueueStarted(q) ? driver.rxQueue(data, q) : STOPPED_QUEUE));
  const tx = Array.from({ length: data.nbTxQueues }, (_, q) => (data.txQueueStarted(q) ? driver.txQueue(data, q) : STOPPED_QUEUE));
  const intrOf = driver.rxQueueIntr?.bind(driver);
  const rxIntrs = intrOf && (data.flags & PF_INTR_RXQ) !== 0 ? rx.map((_, q) => intrOf(data, q)) : [];
  return { ...base, rx, tx, rxIntrs };
}
