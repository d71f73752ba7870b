/** The lines nic-fwd prints when forwarding starts, after testpmd's. */
import { linkGetNowait, macAddrGet } from '@nic/ethdev';
import type { StreamSetup } from './loop.js';
import type { ForwardMode } from './options.js';

/** One line per port: its MAC address and link. */
export function formatPorts(ports: readonly number[]): string[] {
  return ports.map((port) => {
    const link = linkGetNowait(port);
    const state = link.up ? `up, ${link.speed} Mbps, ${link.fullDuplex ? 'full' : 'half'} duplex` : 'down';
    return `Port ${port}: ${macAddrGet(port).toUpperCase()}, link ${state}`;
  });
}

/** testpmd's forwarding configuration: the mode, then each lcore and its streams. */
export function formatStreams(mode: ForwardMode, nbPorts: number, streams: readonly StreamSetup[]): string[] {
  const lcores = [...new Set(streams.map((s) => s.lcore))];
  const lines = [`${mode} packet forwarding - ports=${nbPorts} - cores=${lcores.length} - streams=${streams.length}`];
  for (const lcore of lcores) {
    const own = streams.filter((s) => s.lcore === lcore);
    lines.push(`Logical Core ${lcore} forwards packets on ${own.length} streams:`);
    for (const s of own) lines.push(`  RX P=${s.rxPort}/Q=${s.rxQueue} -> TX P=${s.txPort}/Q=${s.txQueue} (${s.mode}) peer=${s.peerMac.toUpperCase()}`);
  }
  return lines;
}
