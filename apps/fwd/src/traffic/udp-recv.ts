/**
 * The counting receiver of the demo and the kernel tests, run inside a namespace:
 * `udp-recv --port=N`. Prints `{"ready":true}` once bound, `{"received":N}` whenever the
 * count changed (at most every 100 ms), and on SIGTERM or SIGINT `{"received":N,"final":true}`
 * before it exits.
 */
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

/** Milliseconds between progress lines. */
const REPORT_MS = 100;
/** Receive buffer asked for (the kernel caps it at `net.core.rmem_max`). */
const RECV_BUFFER = 4 << 20;

const { values } = parseArgs({ options: { port: { type: 'string' } } });
const port = Number(values.port);
if (!(port > 0)) {
  process.stderr.write('usage: udp-recv --port=N\n');
  process.exit(1);
}

let received = 0;
let reported = 0;
const socket = createSocket({ type: 'udp4', recvBufferSize: RECV_BUFFER });
socket.on('message', () => void received++);
socket.bind(port, () => process.stdout.write(`${JSON.stringify({ ready: true })}\n`));
const timer = setInterval(() => {
  if (received === reported) return;
  reported = received;
  process.stdout.write(`${JSON.stringify({ received })}\n`);
}, REPORT_MS);

function stop(): void {
  clearInterval(timer);
  socket.close();
  process.stdout.write(`${JSON.stringify({ received, final: true })}\n`);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
