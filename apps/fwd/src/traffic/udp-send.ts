/**
 * A UDP stream for the demo and the kernel tests, run inside a namespace:
 * `udp-send --to=IP --port=N --count=N [--payload=BYTES] [--window=N]`. Sends `count`
 * datagrams with at most `window` in flight, then prints `{"sent":N,"errors":N}` and exits.
 */
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';

/** Datagrams in flight without `--window`. */
const DEFAULT_WINDOW = 256;
/** Payload without `--payload`: 22 bytes make 64-byte frames. */
const DEFAULT_PAYLOAD = 22;

const { values } = parseArgs({
  options: {
    to: { type: 'string' },
    port: { type: 'string' },
    count: { type: 'string' },
    payload: { type: 'string', default: String(DEFAULT_PAYLOAD) },
    window: { type: 'string', default: String(DEFAULT_WINDOW) },
  },
});
const to = values.to ?? '';
const port = Number(values.port);
const count = Number(values.count);
const window = Number(values.window);
if (to === '' || !(port > 0) || !(count >= 0) || !(window > 0)) {
  process.stderr.write('usage: udp-send --to=IP --port=N --count=N [--payload=BYTES] [--window=N]\n');
  process.exit(1);
}

const socket = createSocket('udp4');
const payload = Buffer.alloc(Number(values.payload));
let queued = 0;
let done = 0;
let errors = 0;

function pump(): void {
  while (queued < count && queued - done < window) {
    queued++;
    socket.send(payload, port, to, (e) => {
      done++;
      if (e) errors++;
      if (done === count) finish();
      else pump();
    });
  }
}

function finish(): void {
  process.stdout.write(`${JSON.stringify({ sent: count - errors, errors })}\n`);
  socket.close();
}

if (count === 0) finish();
else pump();
