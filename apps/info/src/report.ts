import { NIC_VERSION, type Eal } from '@nic/eal';
import { renderTable } from './table.js';

/** The EAL summary `nic-info` prints: buses, `dev_driver_list`, devices and probe outcomes. */
export function ealReport(eal: Eal): string {
  const sections: string[] = [];
  sections.push(`nic ${NIC_VERSION}: EAL instance "${eal.filePrefix}"`);
  const { arena } = eal;
  sections.push(
    `Memory: ${arena.size / (1024 * 1024)} MiB arena from ${eal.memorySource} pages, IOVA as ${arena.iovaMode.toUpperCase()}`,
  );
  sections.push(
    'Lcores\n' +
      renderTable(
        ['lcore', 'cpus', 'role', 'state'],
        eal.lcores.ids().map((id) => [
          String(id),
          eal.lcores.cpus(id).join(','),
          id === eal.lcores.mainLcore ? 'main' : 'worker',
          eal.lcores.state(id),
        ]),
      ),
  );
  sections.push(
    'Buses\n' +
      renderTable(
        ['bus', 'devices', 'drivers'],
        eal.buses().map((b) => [b.name, String(b.devices().length), b.drivers().join(', ') || '-']),
      ),
  );
  sections.push(
    'Registered drivers (dev_driver_list)\n' +
      renderTable(['driver', 'type'], eal.drivers().map((d) => [d.name, d.type])),
  );
  sections.push(
    'Devices\n' +
      renderTable(
        ['bus', 'device', 'state', 'driver', 'description'],
        eal.devices().map((d) => [d.bus, d.name, d.state, d.driver ?? '-', d.error ?? d.description ?? '']),
      ),
  );
  return sections.join('\n\n') + '\n';
}
