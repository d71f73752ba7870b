/**
 * The in-process pipeline of the demo without root and of the end-to-end test: four net_ring
 * ports wired in two pairs, a generator, the forwarder and a sink on them.
 *
 * ```
 * txonly -> net_ring0 ===> net_ring1 -> io -> net_ring2 ===> net_ring3 -> rxonly
 * ```
 *
 * `===>` is a ring wire (`peer=`): what one port transmits, the other receives. The io
 * streams are paired between net_ring1 and net_ring2, as nic-fwd would set them up.
 */
import { portIdByName } from '@nic/ethdev';
import { buildStreams, type Stream } from './config.js';

/** The `--vdev` arguments of the pipeline's ports. */
export const PIPELINE_VDEVS = ['net_ring0', 'net_ring1,peer=net_ring0', 'net_ring2', 'net_ring3,peer=net_ring2'];

/** The pipeline's ports and streams, once EAL created the ports. */
export interface Pipeline {
  /** Generator, forwarder in, forwarder out, sink. */
  readonly ports: readonly [number, number, number, number];
  /** The generator (txonly on the generator port), the two io streams, the sink (rxonly). */
  readonly streams: readonly Stream[];
}

/** The pipeline over the ports EAL created from {@link PIPELINE_VDEVS}. */
export function pipeline(): Pipeline {
  const [gen, fwdIn, fwdOut, sink] = PIPELINE_VDEVS.map((vdev) => portIdByName(vdev.split(',')[0]));
  return {
    ports: [gen, fwdIn, fwdOut, sink],
    streams: [
      { mode: 'txonly', rxPort: gen, rxQueue: 0, txPort: gen, txQueue: 0 },
      ...buildStreams('io', 'paired', [fwdIn, fwdOut], 1),
      { mode: 'rxonly', rxPort: sink, rxQueue: 0, txPort: sink, txQueue: 0 },
    ],
  };
}
