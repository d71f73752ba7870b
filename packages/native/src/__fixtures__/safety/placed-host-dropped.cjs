// Finding 1: a placed region's buffer outlives the WebAssembly.Memory it was placed in.
const fs = require('node:fs');
const { a, collect } = require('./addon.cjs');

let mem = new WebAssembly.Memory({ initial: 4, maximum: 4, shared: true });
const r = a.allocAnonymous(4096, mem.buffer);
const view = new Uint8Array(r.buffer);
view[0] = 7;
mem = null;
collect().then(() => {
  const mapped = fs
    .readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .some((line) => {
      const [s, e] = line.split(' ')[0].split('-').map((x) => parseInt(x, 16));
      return s <= r.address && r.address < e;
    });
  console.log(JSON.stringify({ mapped, value: view[0] }));
});
