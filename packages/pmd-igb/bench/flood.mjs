// The host-side flooder of guest.bench.mjs: sends one 64-byte Ethernet frame (IPv4/UDP,
// destination the guest NIC's MAC) per UDP datagram to QEMU's `dgram` netdev port of a guest
// NIC, as fast as node's dgram socket goes (or paced at PPS), with at most IN_FLIGHT sends
// outstanding. Prints `{"sent":N,"ms":T}` every second (cumulative) and on SIGTERM/SIGINT.
// Usage: node flood.mjs <qemuPort> <dstMac> [pps, 0 = unlimited]
import { createSocket } from 'node:dgram';
import { setImmediate, setInterval, setTimeout } from 'node:timers';

const [port, dstMac, ppsArg] = process.argv.slice(2);
const PPS = Number(ppsArg ?? 0);
const IN_FLIGHT = 256;
const FRAME_LEN = 64;

/** A 64-byte IPv4/UDP frame from 02:00:00:00:00:fe (198.18.0.1:9 -> 198.18.0.2:9). */
function frame() {
  const f = Buffer.alloc(FRAME_LEN);
  Buffer.from(dstMac.split(':').map((h) => parseInt(h, 16))).copy(f, 0);
  Buffer.from([0x02, 0, 0, 0, 0, 0xfe]).copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  const ipLen = FRAME_LEN - 14;
  f.set([0x45, 0, ipLen >> 8, ipLen & 0xff, 0, 0, 0, 0, 64, 17, 0, 0, 198, 18, 0, 1, 198, 18, 0, 2], 14);
  let sum = 0;
  for (let i = 14; i < 34; i += 2) sum += f.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  f.writeUInt16BE(~sum & 0xffff, 24);
  f.writeUInt16BE(9, 34);
  f.writeUInt16BE(9, 36);
  f.writeUInt16BE(ipLen - 20, 38);
  return f;
}

const data = frame();
const socket = createSocket({ type: 'udp4', sendBufferSize: 4 << 20 });
const t0 = Date.now();
let sent = 0;
let inFlight = 0;
let stopped = false;

const report = () => process.stdout.write(`${JSON.stringify({ sent, ms: Date.now() - t0 })}\n`);
const done = () => {
  inFlight--;
  sent++;
  if (inFlight === 0) setImmediate(pump);
};
let scheduled = false;
function pump() {
  if (stopped || scheduled || inFlight !== 0) return;
  const allowed = PPS > 0 ? Math.floor(((Date.now() - t0) * PPS) / 1000) - sent - inFlight : Infinity;
  let n = Math.min(IN_FLIGHT - inFlight, allowed);
  for (; n > 0; n--) {
    inFlight++;
    socket.send(data, done);
  }
  if (PPS > 0 && inFlight === 0) {
    scheduled = true;
    setTimeout(() => {
      scheduled = false;
      pump();
    }, 1);
  }
}

socket.connect(Number(port), '127.0.0.1', () => {
  setInterval(report, 1000).unref();
  pump();
});
const stop = () => {
  stopped = true;
  report();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
