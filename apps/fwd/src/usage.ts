/** The text `nic-fwd -- --help` prints. */
import { NAPI_DEFAULT_EMPTY_POLLS, PAUSE_DEFAULT_EMPTY_POLLS, PAUSE_DEFAULT_US } from '@nic/intr';
import {
  DEFAULT_BURST,
  DEFAULT_MBUF_CACHE,
  DEFAULT_TX_IP_DST,
  DEFAULT_TX_OFFLOADS,
  DEFAULT_TX_IP_SRC,
  DEFAULT_TX_PKT_LEN,
  DEFAULT_TX_UDP_PORT,
  FORWARD_MODES,
  MAX_BURST,
  MULTI_FLOW_COUNT,
  PORT_TOPOLOGIES,
} from './options.js';

/** The usage of nic-fwd's application arguments, for `program`. */
export function fwdUsage(program: string): string {
  return `Usage: ${program} [EAL options] -- [application options]

Forwards packets between ports, like dpdk-testpmd (io, mac, macswap, rxonly, txonly)
and dpdk-l2fwd (l2fwd). EAL options are DPDK's: -l, --vdev, -a, --no-huge, -m,
--file-prefix, -d ... (${program} -h lists them).

Application options:
  --forward-mode=MODE      ${FORWARD_MODES.join(' | ')} (default io)
  --port-topology=TOPO     ${PORT_TOPOLOGIES.join(' | ')} (default paired)
  --nb-cores=N             forwarding lcores (default: every worker lcore)
  --portmask=HEX           ports to forward between (default: all)
  --burst=N                packets per burst, 1 to ${MAX_BURST} (default ${DEFAULT_BURST})
  --rxq=N, --txq=N         queues per port (default 1; txq >= rxq)
  --rxd=N, --txd=N         descriptors per queue (default: the driver's)
  --total-num-mbufs=N      mbufs in the pool (default: l2fwd's formula, at least 8192)
  --mbcache=N              per-lcore mbuf cache (default ${DEFAULT_MBUF_CACHE})
  --tx-offloads=HEX        tx offload bits of every port (default 0x${DEFAULT_TX_OFFLOADS.toString(16)}:
                           fast free, where the driver has it)
  --eth-peer=PORT,MAC      destination MAC of mac and txonly on PORT
                           (default 02:00:00:00:00:PORT)
  --txpkts=LEN             txonly frame length (default ${DEFAULT_TX_PKT_LEN})
  --tx-ip=SRC,DST          txonly IPv4 addresses (default ${DEFAULT_TX_IP_SRC},${DEFAULT_TX_IP_DST})
  --tx-udp=SRC[,DST]       txonly UDP ports (default ${DEFAULT_TX_UDP_PORT})
  --tx-flows=N             txonly flows: N UDP source ports from SRC (default 1)
  --txonly-multi-flow      txonly with ${MULTI_FLOW_COUNT} flows
  --tx-first               send a burst of txonly packets on every port first
  --stats-period=N         live statistics every N seconds (default 0: none)
  --stats-json             statistics as JSON lines
  --record-burst-stats     record the packets per rx and tx burst; show the
                           spread in the final statistics
  --rx-interrupts          worker lcores sleep while their rx queues are idle and
                           wake on the queues' interrupts (default: poll always);
                           needs a driver with rx interrupts (igb, ixgbe, af_packet, tap)
  --pmd-mgmt=pause         worker lcores pause (their thread sleeps) after each
                           empty poll once --max-empty-poll empty polls ran in a
                           row; any driver (l3fwd-power's pause mode)
  --pause-duration=US      microseconds per pause (default ${PAUSE_DEFAULT_US})
  --max-empty-poll=N       empty polls in a row before an lcore pauses or sleeps
                           (default ${PAUSE_DEFAULT_EMPTY_POLLS}, with --rx-interrupts ${NAPI_DEFAULT_EMPTY_POLLS})
  --pcap=FILE              write the forwarded packets to FILE (pcap)
  --duration=SECONDS       stop by itself after SECONDS
  -h, --help               this text

SIGINT or SIGTERM stops forwarding, drains the queues, prints the statistics and exits.
`;
}
