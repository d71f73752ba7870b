/**
 * ethdev's telemetry commands, with the names, parameters and reply shapes of DPDK's
 * (`ethdev_init_telemetry`): `/ethdev/list`, `/ethdev/info`, `/ethdev/stats`, `/ethdev/xstats`
 * and `/ethdev/link_status`. Each answers for the ports of the EAL instance whose socket was
 * asked; a port id that names none of them is `null`. Registered when the package loads, as
 * DPDK registers them at start-up.
 */
import { parseTelemetryId, registerTelemetryCommand, type TelemetryContext, type TelemetryHandler, type TelemetryValue } from '@nic/eal';
import { infoGet } from './info.js';
import { linkGetNowait } from './link.js';
import { formatMac } from './mac.js';
import { RxOffload } from './offloads.js';
import { findDev, ports, type EthDev } from './port.js';
import { rxQueueState, txQueueState } from './queue-state.js';
import { allmulticastGet, promiscuousGet } from './rxmode.js';
import { PortState } from './shared.js';
import { statsGet } from './stats.js';
import { xstatsGet, xstatsGetNames } from './xstats.js';

/** The owner ethdev's commands register under: another copy of @nic/ethdev in the tree keeps the first copy's. */
const TELEMETRY_OWNER = '@nic/ethdev';

/** DPDK's `RTE_ETH_DEV_ATTACHED`: the state of every allocated port. */
const DEV_STATE_ATTACHED = 1;
/** DPDK's `RTE_ETH_QUEUE_STATE_STOPPED` and `_STARTED`. */
const QUEUE_STATE_STOPPED = 0;
const QUEUE_STATE_STARTED = 1;
/** DPDK's `SOCKET_ID_ANY`: nic does not place ports by NUMA node. */
const NUMA_NODE_ANY = -1;
/** DPDK's `RTE_ETH_DEV_INTR_LSC` and `RTE_ETH_DEV_INTR_RMV` device flags. */
const DEV_FLAG_INTR_LSC = 0x0002;
const DEV_FLAG_INTR_RMV = 0x0008;
/** DPDK's `RTE_ETHDEV_QUEUE_STAT_CNTRS`: the per-queue arrays of `/ethdev/stats` have this many entries. */
const QUEUE_STAT_COUNTERS = 16;

/** The port the parameters name, when it is one of the asking instance's. */
function portOf(params: string | undefined, { eal }: TelemetryContext): EthDev | undefined {
  const port = parseTelemetryId(params);
  const d = port === undefined ? undefined : findDev(port);
  return d?.eal === eal ? d : undefined;
}

const bit = (set: boolean): number => (set ? 1 : 0);

/** A per-queue counter array padded (or cut) to DPDK's fixed length. */
function perQueue(values: readonly number[]): number[] {
  return Array.from({ length: QUEUE_STAT_COUNTERS }, (_, q) => values[q] ?? 0);
}

const list: TelemetryHandler = (_params, { eal }) => ports(eal);

const stats: TelemetryHandler = (params, context) => {
  const d = portOf(params, context);
  if (!d) return undefined;
  const s = statsGet(d.port);
  return {
    ipackets: s.ipackets,
    opackets: s.opackets,
    ibytes: s.ibytes,
    obytes: s.obytes,
    imissed: s.imissed,
    ierrors: s.ierrors,
    oerrors: s.oerrors,
    rx_nombuf: s.rxNombuf,
    q_ipackets: perQueue(s.qIpackets),
    q_opackets: perQueue(s.qOpackets),
    q_ibytes: perQueue(s.qIbytes),
    q_obytes: perQueue(s.qObytes),
    q_errors: perQueue(s.qErrors),
  };
};

const xstats: TelemetryHandler = (params, context) => {
  const d = portOf(params, context);
  if (!d) return undefined;
  const names = xstatsGetNames(d.port);
  const values = xstatsGet(d.port);
  const reply: Record<string, TelemetryValue> = {};
  names.forEach((name, i) => (reply[name] = values[i]));
  return reply;
};

const linkStatus: TelemetryHandler = (params, context) => {
  const d = portOf(params, context);
  if (!d) return undefined;
  const link = linkGetNowait(d.port);
  const down: TelemetryValue = { status: 'DOWN' };
  if (!link.up) return down;
  return { status: 'UP', speed: link.speed, duplex: link.fullDuplex ? 'full-duplex' : 'half-duplex' };
};

const info: TelemetryHandler = (params, context) => {
  const d = portOf(params, context);
  if (!d) return undefined;
  const devInfo = infoGet(d.port);
  const { state } = d;
  const configured = state === PortState.CONFIGURED || state === PortState.STARTED || state === PortState.STOPPED;
  const rxOffloads = d.conf.rxMode.offloads;
  const queueState = (s: 'started' | 'stopped'): number => (s === 'started' ? QUEUE_STATE_STARTED : QUEUE_STATE_STOPPED);
  return {
    name: d.name,
    state: DEV_STATE_ATTACHED,
    nb_rx_queues: d.data.nbRxQueues,
    nb_tx_queues: d.data.nbTxQueues,
    port_id: d.port,
    mtu: d.data.mtu,
    rx_mbuf_size_min: devInfo.minRxBufSize,
    mac_addr: formatMac(d.data.mac).toUpperCase(),
    promiscuous: bit(promiscuousGet(d.port)),
    scattered_rx: bit((rxOffloads & RxOffload.SCATTER) !== 0),
    all_multicast: bit(allmulticastGet(d.port)),
    dev_started: bit(state === PortState.STARTED),
    lro: bit((rxOffloads & RxOffload.TCP_LRO) !== 0),
    dev_configured: bit(configured),
    rxq_state: Array.from({ length: d.data.nbRxQueues }, (_, q) => queueState(rxQueueState(d.port, q))),
    txq_state: Array.from({ length: d.data.nbTxQueues }, (_, q) => queueState(txQueueState(d.port, q))),
    numa_node: NUMA_NODE_ANY,
    dev_flags: (devInfo.intrLsc ? DEV_FLAG_INTR_LSC : 0) | (devInfo.intrRmv ? DEV_FLAG_INTR_RMV : 0),
    rx_offloads: rxOffloads,
    tx_offloads: d.conf.txMode.offloads,
    ethdev_rss_hf: d.conf.rss.hf,
  };
};

/** Registers ethdev's commands (idempotent). */
export function registerEthdevTelemetry(): void {
  registerTelemetryCommand('/ethdev/list', list, 'Returns list of available ethdev ports. Takes no parameters', TELEMETRY_OWNER);
  registerTelemetryCommand('/ethdev/stats', stats, 'Returns the common stats for a port. Parameters: int port_id', TELEMETRY_OWNER);
  registerTelemetryCommand('/ethdev/xstats', xstats, 'Returns the extended stats for a port. Parameters: int port_id', TELEMETRY_OWNER);
  registerTelemetryCommand('/ethdev/link_status', linkStatus, 'Returns the link status for a port. Parameters: int port_id', TELEMETRY_OWNER);
  registerTelemetryCommand('/ethdev/info', info, 'Returns the device info for a port. Parameters: int port_id', TELEMETRY_OWNER);
}

registerEthdevTelemetry();
