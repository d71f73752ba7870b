/**
 * The private data of a net_ring port in the arena (at `data.privOffset`), everything a
 * thread needs to rebuild the port's queues:
 *
 * | offset               | width        | what                                  |
 * |----------------------|--------------|---------------------------------------|
 * | {@link RP_NB_RX}     | u32          | rx rings                              |
 * | {@link RP_NB_TX}     | u32          | tx rings                              |
 * | {@link RP_RX_RINGS}  | 16 x u32     | arena offset of each rx ring          |
 * | {@link RP_TX_RINGS}  | 16 x u32     | arena offset of each tx ring          |
 *
 * Rx queue `i` dequeues from rx ring `i`; tx queue `i` enqueues to tx ring `i`.
 */

/** Most rings, hence queues, of one direction (`RTE_PMD_RING_MAX_RX_RINGS`). */
export const RING_MAX_QUEUES = 16;
/** Slots of each ring the driver creates (DPDK's 1024; one stays empty, so 1023 packets). */
export const RING_SIZE = 1024;
/** Rings the driver creates are named `ETH_RXTX<i>_<port name>`, as DPDK names them. */
export const RING_NAME_PREFIX = 'ETH_RXTX';
/** Name prefix of the vdev (and port) `ringPort` creates: `net_ring_<name>`, as `rte_eth_from_rings`. */
export const FROM_RINGS_PREFIX = 'net_ring_';

/** u32: number of rx rings. */
export const RP_NB_RX = 0;
/** u32: number of tx rings. */
export const RP_NB_TX = 4;
/** u32 array: arena offsets of the rx rings. */
export const RP_RX_RINGS = 64;
/** u32 array: arena offsets of the tx rings. */
export const RP_TX_RINGS = RP_RX_RINGS + RING_MAX_QUEUES * 4;
/** Bytes of the private data. */
export const RING_PRIV_SIZE = RP_TX_RINGS + RING_MAX_QUEUES * 4;
