// Finding 5: closing a watched fd, before and after the loop registered it.
const { a, attempt } = require('./addon.cjs');

const [r, w] = a.pipe(true);
let calls = 0;
a.watch(r, () => calls++);
a.close(r); // before the loop turn that registers the fd with epoll
setTimeout(() => {
  const [r2, w2] = a.pipe(true);
  const id2 = a.watch(r2, () => calls++);
  setTimeout(() => {
    a.close(r2); // registered by now
    // The fd number is free to watch again.
    const [r3, w3] = a.pipe(true);
    const again = attempt(() => a.watch(r3, () => {}));
    const closedAgain = a.watchClose(id2);
    if (again.value !== undefined) a.watchClose(again.value);
    for (const fd of [w, w2, r3, w3]) a.close(fd);
    console.log(JSON.stringify({ survived: true, calls, rewatch: again.error ?? 'ok', closedAgain }));
  }, 20);
}, 20);
