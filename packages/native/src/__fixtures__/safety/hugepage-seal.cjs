// Finding 9: a kept hugepage memfd cannot be shrunk (or grown) by whoever holds the fd, so
// touching the mapping never raises SIGBUS.
const fs = require('node:fs');
const { a } = require('./addon.cjs');

const HUGEPAGE_2M = 2 * 1024 * 1024;
const r = a.allocHugepages(HUGEPAGE_2M, HUGEPAGE_2M, '', true, undefined);
const code = (fn) => {
  try {
    fn();
    return 'done';
  } catch (e) {
    return e.code;
  }
};
// A vhost-user peer holds this fd: /proc/self/fd/N is how it would reopen it, too.
const shrink = code(() => fs.ftruncateSync(r.fd, 0));
const grow = code(() => fs.ftruncateSync(r.fd, 2 * HUGEPAGE_2M));
const reopened = fs.openSync(`/proc/self/fd/${r.fd}`, 'r+');
const shrinkReopened = code(() => fs.ftruncateSync(reopened, 0));
fs.closeSync(reopened);
const view = new Uint8Array(r.buffer);
view[HUGEPAGE_2M - 1] = 5;
a.close(r.fd);
console.log(JSON.stringify({ shrink, grow, shrinkReopened, touched: view[HUGEPAGE_2M - 1] }));
