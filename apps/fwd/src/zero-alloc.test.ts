// The claim that forwarding allocates nothing, as a test: a worker lcore forwards millions of
// packets and reports the JS heap before and after, and every garbage collection its isolate
// ran meanwhile (lcore.ts). An allocation on the burst path, even one per burst, fills the
// young generation within these runs and shows as a collection.
import { describe, expect, it } from 'vitest';
import { portIdByName } from '@nic/ethdev';
import { lcoreArgs } from '@nic/test-kit/models';
import { BUILT, expectNoAllocation, testEal, until } from './__fixtures__/harness.js';
import { buildStreams } from './config.js';
import './drivers.js';
import { Forwarder, type FinalReport } from './forwarder.js';
import { DEFAULT_OPTIONS } from './options.js';
import { pipeline, PIPELINE_VDEVS } from './pipeline.js';

/** Packets through null ports: 125 000 bursts of 32, so even one small object per burst adds megabytes. */
const NULL_PACKETS = 4_000_000;
/** Packets to the ring pipeline's sink (each crosses three lcore streams on the way). */
const RING_PACKETS = 2_000_000;
const RUN_MS = 120_000;

describe.skipIf(!BUILT)('forwarding allocates nothing (worker lcores load dist: npm run build -w @nic/fwd)', () => {
  it(`io between two null ports: ${NULL_PACKETS} packets, no collection, a flat heap`, async () => {
    const eal = await testEal('zero-alloc-null', [...lcoreArgs(2), '--vdev', 'net_null0', '--vdev', 'net_null1']);
    try {
      const ports = [portIdByName('net_null0'), portIdByName('net_null1')];
      const fwd = Forwarder.start({ eal, options: DEFAULT_OPTIONS, ports, streams: buildStreams('io', 'paired', ports, 1), lcores: [1] });
      let report: FinalReport;
      try {
        await until(() => fwd.streamTotals().reduce((n, s) => n + s.tx, 0) >= NULL_PACKETS, RUN_MS, `${NULL_PACKETS} packets forwarded`);
      } finally {
        report = await fwd.shutdown();
      }
      expect(report.streams.reduce((n, s) => n + s.tx, 0)).toBeGreaterThanOrEqual(NULL_PACKETS);
      expect(report.mbufs.available).toBe(report.mbufs.size);
      expectNoAllocation(report);
    } finally {
      await eal.cleanup();
    }
  });

  it(`txonly -> ring -> io -> ring -> rxonly on one worker lcore: ${RING_PACKETS} packets at the sink, no collection, a flat heap`, async () => {
    const eal = await testEal('zero-alloc-ring', [...lcoreArgs(2), ...PIPELINE_VDEVS.flatMap((v) => ['--vdev', v])]);
    try {
      const { ports, streams } = pipeline();
      const fwd = Forwarder.start({ eal, options: DEFAULT_OPTIONS, ports, streams, lcores: [1] });
      let report: FinalReport;
      try {
        await until(() => fwd.streamTotals()[3].rx >= RING_PACKETS, RUN_MS, `${RING_PACKETS} packets at the sink`);
      } finally {
        report = await fwd.shutdown();
      }
      expect(report.streams[3].rx).toBeGreaterThanOrEqual(RING_PACKETS);
      expect(report.mbufs.available).toBe(report.mbufs.size);
      expectNoAllocation(report);
    } finally {
      await eal.cleanup();
    }
  });
});
