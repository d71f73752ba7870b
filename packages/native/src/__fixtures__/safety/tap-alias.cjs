// Finding 4: frame data rewrites a later frame's offset (offsets alias the memory).
const { a, seqpacketPair } = require('./addon.cjs');

const [w, r] = seqpacketPair('tap');
const ab = new ArrayBuffer(128);
const memory = new Uint8Array(ab, 0, 32);
const offsets = new Uint32Array(ab, 0, 2);
const frame0 = new Uint8Array(8);
new DataView(frame0.buffer).setUint32(4, 96, true);
a.unixSendmsg(w, frame0, []);
a.unixSendmsg(w, new Uint8Array(8).fill(0xee), []);
const n = a.tapReadBurst(r, memory, offsets, new Uint32Array([8, 8]), new Uint32Array(2), 2);
const outside = Array.from(new Uint8Array(ab, 32)).some((x) => x !== 0);
// Writes: the first frame's write must not see a changed second offset either; nothing to
// rewrite it here but the check runs on the copy, so out-of-range offsets are refused up front.
console.log(JSON.stringify({ n, outside }));
