// Finding 2: a second placement over a live one, and a placement nested in a region.
const { a, attempt, collect } = require('./addon.cjs');

const mem = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
let r1 = a.allocAnonymous(4096, mem.buffer);
const v1 = new Uint8Array(r1.buffer);
v1[0] = 42;
const second = attempt(() => a.allocAnonymous(4096, mem.buffer));
const outer = a.allocAnonymous(65536);
const nested = attempt(() => a.allocAnonymous(4096, outer.buffer));
const plain = a.allocAnonymous(4096, new SharedArrayBuffer(4 * 65536));
collect().then(() => {
  const kept = v1[0];
  a.unmap(r1.id);
  r1 = null;
  // Once the first placement is unmapped and collected, the range is free again.
  return collect().then(() => {
    const again = attempt(() => a.allocAnonymous(4096, mem.buffer).hostOffset);
    console.log(JSON.stringify({ second: second.error, nested: nested.error, kept, again, plain: plain.hostOffset >= 0 }));
  });
});
