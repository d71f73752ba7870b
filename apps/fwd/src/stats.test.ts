import { describe, expect, it } from 'vitest';
import { accumulate, formatFinal, formatPortTotals, txDropped, type PortCounts } from './stats.js';

const port = (over: Partial<PortCounts>): PortCounts => ({
  port: 0,
  name: 'p',
  rxPackets: 0,
  rxBytes: 0,
  rxMissed: 0,
  rxErrors: 0,
  rxNombuf: 0,
  txPackets: 0,
  txBytes: 0,
  txErrors: 0,
  fwdDropped: 0,
  ...over,
});

describe("testpmd's statistics blocks", () => {
  it('counts TX-dropped as driver errors plus packets the tx queues refused', () => {
    const c = port({ port: 1, rxPackets: 100, rxMissed: 7, txPackets: 90, txErrors: 2, fwdDropped: 8 });
    expect(txDropped(c)).toBe(10);
    expect(formatPortTotals(c).split('\n')).toEqual([
      '  ---------------------- Forward statistics for port 1  ----------------------',
      '  RX-packets: 100            RX-dropped: 7             RX-total: 107',
      '  TX-packets: 90             TX-dropped: 10            TX-total: 100',
      '  ----------------------------------------------------------------------------',
    ]);
  });

  it('shows rx errors and mbuf shortages only when there were some', () => {
    expect(formatPortTotals(port({ rxNombuf: 3 }))).toContain('RX-nombufs: 3');
    expect(formatPortTotals(port({}))).not.toContain('RX-error');
  });

  it('shows the burst spreads after the rx and tx lines when they were recorded and hold bursts', () => {
    const spread = (entries: Record<number, number>): number[] => Array.from({ length: 33 }, (_, n) => entries[n] ?? 0);
    const c = port({ rxPackets: 40, txPackets: 40, rxBursts: spread({ 0: 96, 8: 5 }), txBursts: spread({}) });
    expect(formatPortTotals(c).split('\n').slice(1, 4)).toEqual([
      '  RX-packets: 40             RX-dropped: 0             RX-total: 40',
      '  RX-bursts : 101 [95% of 0 pkts + 5% of 8 pkts]',
      '  TX-packets: 40             TX-dropped: 0             TX-total: 40',
    ]);
    expect(formatPortTotals(c)).not.toContain('TX-bursts');
  });

  it('accumulates every port', () => {
    const ports = [port({ rxPackets: 5, txPackets: 4, fwdDropped: 1 }), port({ port: 1, rxPackets: 6, rxMissed: 2, txPackets: 6 })];
    expect(accumulate(ports)).toEqual({ rxPackets: 11, rxDropped: 2, txPackets: 10, txDropped: 1, rxNombuf: 0 });
    const text = formatFinal(ports);
    expect(text).toContain('+++++++++++++++ Accumulated forward statistics for all ports+++++++++++++++');
    expect(text).toContain('  RX-packets: 11             RX-dropped: 2             RX-total: 13');
    expect(text).toContain('  TX-packets: 10             TX-dropped: 1             TX-total: 11');
  });
});
