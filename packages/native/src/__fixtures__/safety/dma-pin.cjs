// Finding 7: vfioIommuMapDma checks the vaddr against live regions and pins the region.
const { a, attempt } = require('./addon.cjs');

const fd = a.eventfdCreate(0, false, true);
const r = a.allocAnonymous(8192);
const heap = attempt(() => a.vfioIommuMapDma(fd, 4096, 0, 4096, 3));
const past = attempt(() => a.vfioIommuMapDma(fd, r.address + 4096, 0, 8192, 3));
const empty = attempt(() => a.vfioIommuMapDma(fd, r.address, 0, 0, 3));
// Inside the region: the range passes, the ioctl fails (an eventfd is no container), and the
// hold taken for it is given back, so unmap works.
const inside = attempt(() => a.vfioIommuMapDma(fd, r.address, 0, 4096, 3));
const unmapped = attempt(() => a.unmap(r.id));
const afterUnmap = attempt(() => a.vfioIommuMapDma(fd, r.address, 0, 4096, 3));
a.close(fd);
console.log(JSON.stringify({ heap: heap.error, past: past.error, empty: empty.error, inside: inside.error, unmapped: unmapped.error ?? 'ok', afterUnmap: afterUnmap.error }));
