// Run nic-vdpa with modelled IFC VFs in its process: `node --import <this file> dist/main.js ...`.
// Serves @nic/test-kit's IFCVF model (one queue pair) through a fake sysfs tree as vfio-pci
// functions at the addresses in NIC_IFCVF_ADDRESSES (comma-separated, default 0000:06:00.3).
// With NIC_IFCVF_UDP_PEER, each function's cable goes to that UDP port on 127.0.0.1, one frame
// per datagram. Prints one JSON line on stdout before the program starts:
// {"event":"ifcvf-vfs","vfs":[{"address","udp"}]} (`udp`: where the function's incoming frames go).
import { isMainThread } from 'node:worker_threads';
import { NIC_DEV_ROOT_ENV, registerPciBackend, SYSFS_PCI_DEVICES_ENV } from '@nic/pci/driver';
import { IfcvfModelBackend, UdpWire } from '@nic/test-kit/models';

// Worker lcores load this file too (--import is inherited); the functions belong to the main thread.
if (!isMainThread) throw new Error('ifcvf-vfs: run the program with -l 0 (models live in the main thread)');

const addresses = (process.env.NIC_IFCVF_ADDRESSES ?? '0000:06:00.3').split(',').filter((a) => a !== '');
const peer = process.env.NIC_IFCVF_UDP_PEER === undefined ? undefined : Number(process.env.NIC_IFCVF_UDP_PEER);

const backend = new IfcvfModelBackend();
registerPciBackend(backend);
process.env[SYSFS_PCI_DEVICES_ENV] = backend.sysfs.devicesPath;
process.env[NIC_DEV_ROOT_ENV] = backend.sysfs.devRoot;
const models = addresses.map((address) => backend.addDevice(address, { queues: 1 }).model);
const wires = peer === undefined ? [] : await Promise.all(models.map((model) => UdpWire.open(model, { remotePort: peer })));
process.on('exit', () => {
  for (const wire of wires) wire.close();
  backend.sysfs.remove();
});
const vfs = addresses.map((address, i) => ({ address, udp: wires[i]?.localPort }));
process.stdout.write(`${JSON.stringify({ event: 'ifcvf-vfs', vfs })}\n`);
