// Finding 12: a path with a NUL is refused (the kernel would open the shorter path), and
// mapping a FIFO returns at once instead of waiting for a writer.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { a, attempt } = require('./addon.cjs');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nic-native-safety-paths-'));
const file = path.join(dir, 'file');
fs.writeFileSync(file, Buffer.alloc(4096, 1));
const fifo = path.join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);
const result = {
  mapFile: attempt(() => a.mapFile(`${file}\0.other`, 0, undefined, false).length).error,
  vfioOpen: attempt(() => a.vfioOpen('/dev/null\0/dev/vfio/vfio')).error,
  hugetlbfsDir: attempt(() => a.allocHugepages(2 ** 21, 2 ** 21, `${dir}\0/dev/hugepages`, false, undefined)).error,
  fifo: attempt(() => a.mapFile(fifo, 0, undefined, false)).error,
  fifoWithLength: attempt(() => a.mapFile(fifo, 0, 4096, false)).error,
};
fs.rmSync(dir, { recursive: true });
console.log(JSON.stringify(result));
