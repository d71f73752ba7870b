// Finding 12: watch() checks Node-API's answers for the watcher's async context and its
// teardown hook, and a refusal leaves nothing behind. Node does not refuse either in practice,
// so this child runs a build of the addon linked with napi-fault.cc: NIC_NAPI_FAULT names the
// call to refuse (process.env writes reach the C environment on the main thread).
const fs = require('node:fs');
const { a } = require('./addon.cjs');

const [r, w] = a.pipe(true);
function watchRefusing(call) {
  process.env.NIC_NAPI_FAULT = call;
  try {
    a.watchClose(a.watch(r, () => {}));
    return 'watched';
  } catch (e) {
    return e.code;
  } finally {
    delete process.env.NIC_NAPI_FAULT;
  }
}
const context = watchRefusing('napi_async_init');
const teardown = watchRefusing('napi_add_async_cleanup_hook');
// Nothing of the refused watchers is left on the fd: it can be watched, and the watcher runs.
let calls = 0;
const id = a.watch(r, () => {
  calls++;
  a.watchClose(id);
  for (const fd of [r, w]) a.close(fd);
  console.log(JSON.stringify({ context, teardown, calls }));
});
fs.writeSync(w, 'x');
