// Run a program with modelled NIC ports in its process: `node --import <this file> program ...`.
// Serves @nic/test-kit's 82599 (default) or 82576 model ports (NIC_MODEL=ixgbe|igb) through a
// fake sysfs tree as vfio-pci functions at 0000:10:00.0, 0000:11:00.0, ..., one per UDP port in
// NIC_MODEL_UDP_PEERS (comma-separated): each port's cable goes to that UDP port on 127.0.0.1,
// one frame per datagram. Prints one JSON line on stdout before the program starts:
// {"event":"model-ports","ports":[{"address","mac","udp"}]} (`udp`: where the port's incoming
// frames go). Device models live in the thread that made them, so the program must poll the
// ports from its main thread (nic-fwd: -l 0).
import { IgbModelBench, IxgbeModelBench, UdpWire } from '@nic/test-kit/models';

const BENCHES = { ixgbe: IxgbeModelBench, igb: IgbModelBench };
const kind = process.env.NIC_MODEL ?? 'ixgbe';
const peers = (process.env.NIC_MODEL_UDP_PEERS ?? '').split(',').filter((p) => p !== '').map(Number);
if (!(kind in BENCHES)) throw new Error(`model-ports: NIC_MODEL must be ixgbe or igb, not ${kind}`);
if (peers.length === 0) throw new Error('model-ports: NIC_MODEL_UDP_PEERS must list a UDP port per modelled port');

const bench = await BENCHES[kind].create({ ports: peers.length });
const wires = await Promise.all(bench.models.map((model, i) => UdpWire.open(model, { remotePort: peers[i] })));
process.on('exit', () => {
  for (const wire of wires) wire.close();
  void bench.close();
});
const hex = (mac) => Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
const ports = bench.addresses.map((address, i) => ({ address, mac: hex(bench.models[i].mac), udp: wires[i].localPort }));
process.stdout.write(`${JSON.stringify({ event: 'model-ports', model: kind, ports })}\n`);
