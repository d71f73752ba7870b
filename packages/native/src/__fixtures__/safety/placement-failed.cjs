// Finding 10: a placement whose mmap fails (1 GiB hugepages from an empty pool) leaves the host
// whole: no hole in its range (touching any of it is safe), and the range free to place again.
const fs = require('node:fs');
const { a, attempt } = require('./addon.cjs');

const GIB = 2 ** 30;
const WASM_PAGE = 65536;
const mem = new WebAssembly.Memory({ initial: (2 * GIB) / WASM_PAGE, maximum: (2 * GIB) / WASM_PAGE, shared: true });
const view = new Uint8Array(mem.buffer);
const failed = attempt(() => a.allocHugepages(GIB, GIB, '', false, mem.buffer));
// The host's range as /proc/self/maps shows it: covered without a gap, and readable.
const start = a.allocAnonymous(4096, mem.buffer);
const base = start.address - start.hostOffset;
a.unmap(start.id);
const spans = fs
  .readFileSync('/proc/self/maps', 'utf8')
  .trim()
  .split('\n')
  .map((line) => {
    const [range, perms] = line.split(' ');
    const [s, e] = range.split('-').map((x) => parseInt(x, 16));
    return { s, e, perms };
  })
  .filter(({ s, e }) => e > base && s < base + 2 * GIB)
  .sort((x, y) => x.s - y.s);
let covered = base;
let readable = true;
for (const { s, e, perms } of spans) {
  if (s > covered) break;
  covered = Math.max(covered, e);
  readable &&= perms.startsWith('rw');
}
// Reading every MiB of the host: a hole would fault here.
let sum = 0;
for (let i = 0; i < view.length; i += 1 << 20) sum += view[i];
const again = attempt(() => a.allocAnonymous(4096, mem.buffer).hostOffset);
console.log(JSON.stringify({ failed: failed.error, whole: covered >= base + 2 * GIB, readable, zeros: sum === 0, again }));
