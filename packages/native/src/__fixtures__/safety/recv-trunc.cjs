// Finding 8: a long message into a short buffer, and an empty buffer.
const { a, attempt, seqpacketPair } = require('./addon.cjs');

const [c, s] = seqpacketPair('trunc');
a.unixSendmsg(c, new Uint8Array(100).fill(1), []);
const cut = a.unixRecvmsg(s, new Uint8Array(10), 0);
a.unixSendmsg(c, new Uint8Array(10).fill(1), []);
const whole = a.unixRecvmsg(s, new Uint8Array(10), 0);
const [p, q] = a.pipe(true);
a.unixSendmsg(c, new Uint8Array(1), [p]);
const empty = attempt(() => a.unixRecvmsg(s, new Uint8Array(0), 4));
const after = a.unixRecvmsg(s, new Uint8Array(4), 4);
for (const fd of [...after.fds, p, q, c, s]) a.close(fd);
console.log(JSON.stringify({ cut: [cut.bytes, cut.truncated], whole: [whole.bytes, whole.truncated], empty: empty.error, after: [after.bytes, after.fds.length] }));
