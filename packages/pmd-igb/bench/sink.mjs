// The host-side counter of guest.bench.mjs: binds a UDP socket on each given loopback port (the
// host ends of the guest NICs) with the smallest receive buffer, says `ready`, then blocks its
// thread for good, so that nothing ever reads them. Every frame a NIC sends the host is then
// dropped by the kernel at a full socket and counted in that socket's `drops` (/proc/net/udp):
// an exact count that costs the host no reading, where a reader at these rates fell behind and
// took CPU from QEMU. The parent kills it when done.
// Usage: node sink.mjs <port> [<port> ...]
import { createSocket } from 'node:dgram';

const ports = process.argv.slice(2).map(Number);
await Promise.all(
  ports.map(
    (port) =>
      new Promise((resolve, reject) => {
        const socket = createSocket({ type: 'udp4', recvBufferSize: 1 });
        socket.once('error', reject);
        socket.bind(port, '127.0.0.1', resolve);
      }),
  ),
);
process.stdout.write('ready\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
