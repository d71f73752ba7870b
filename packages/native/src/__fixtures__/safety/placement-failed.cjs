// Finding 10: a placement whose mmap fails leaves its host whole. 2 MiB hugepages are asked for
// past what the pool can give: the kernel drops the host's pages in the range, then refuses the
// reservation (a hole). The addon puts zeroed pages there, or, when the kernel refuses even
// those (here: RLIMIT_DATA below what the private pages would need), pages of no access, so
// that no later mapping lands inside the host; the error then names the range that faults.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { a, attempt } = require('./addon.cjs');

const HUGE = 2 ** 21;
const WASM_PAGE = 65536;
const sysfs = '/sys/kernel/mm/hugepages/hugepages-2048kB';
const pool = ['nr_hugepages', 'nr_overcommit_hugepages'].reduce((n, f) => n + Number(fs.readFileSync(`${sysfs}/${f}`, 'utf8')), 0);
const length = (pool + 64) * HUGE;
const mem = new WebAssembly.Memory({ initial: (length + HUGE) / WASM_PAGE, maximum: (length + HUGE) / WASM_PAGE, shared: true });
const view = new Uint8Array(mem.buffer);
const probe = a.allocAnonymous(4096, mem.buffer);
const base = probe.address - probe.hostOffset;
a.unmap(probe.id);
const start = Math.ceil(base / HUGE) * HUGE;
// A byte of the host past the range, which a placement must leave alone.
view[start - base + length] = 2;

/** The mappings over [start, start + length): whether they cover it, and their permissions. */
function spans() {
  const found = fs
    .readFileSync('/proc/self/maps', 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [range, perms] = line.split(' ');
      const [s, e] = range.split('-').map((x) => parseInt(x, 16));
      return { s, e, perms: perms.slice(0, 3) };
    })
    .filter(({ s, e }) => e > start && s < start + length)
    .sort((x, y) => x.s - y.s);
  let covered = start;
  for (const { s, e } of found) if (s <= covered) covered = Math.max(covered, e);
  return { whole: covered >= start + length, perms: [...new Set(found.map((f) => f.perms))] };
}

function place() {
  try {
    a.allocHugepages(length, HUGE, '', false, mem.buffer);
    return { placed: true };
  } catch (e) {
    return { error: e.code, faults: e.message.includes('faults when touched') };
  }
}

// The kernel refuses the reservation after dropping the host's pages: zeroed pages go back.
const refused = place();
let sum = 0;
for (let i = start - base; i < start - base + length; i += 4096) sum += view[i];
const zeroed = { ...refused, ...spans(), zeros: sum === 0 };

// The same with the zeroed pages refused too: private writable pages count against RLIMIT_DATA
// (the shared hugepages do not), and the limit goes half the range below what is mapped now.
// The kernel's hole gives that half back, so Node can allocate again once the call is in, but
// the placeholder needs the whole range. Until then nothing may need new memory: this thread
// waits in a read of a FIFO while a shell started beforehand lowers the limit and then wakes it.
const limits = () => fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max data size')).split(/\s{2,}/);
const [, soft] = limits();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nic-native-safety-placement-'));
const [go, done] = [path.join(dir, 'go'), path.join(dir, 'done')];
execFileSync('mkfifo', [go, done]);
// O_RDWR: the opens do not wait for the other end.
const [goFd, doneFd] = [fs.openSync(go, 'r+'), fs.openSync(done, 'r+')];
globalThis.gc();
const dataBytes = Number(/VmData:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const lower = 'read line < "$1" && prlimit --pid "$2" --data="$3": && echo > "$4"';
const shell = spawn('sh', ['-c', lower, 'sh', go, String(process.pid), String(dataBytes - length / 2), done], { stdio: 'inherit' });
const byte = Buffer.alloc(16);
fs.writeSync(goFd, '\n');
fs.readSync(doneFd, byte);
const noAccess = place();
execFileSync('prlimit', ['--pid', String(process.pid), `--data=${soft}:`]);
shell.unref();
for (const fd of [goFd, doneFd]) fs.closeSync(fd);
fs.rmSync(dir, { recursive: true });
const holed = { ...noAccess, ...spans() };

const outside = view[start - base + length];
// The range is free to place in again.
const again = attempt(() => a.allocAnonymous(4096, mem.buffer).hostOffset);
console.log(JSON.stringify({ zeroed, holed, outside, again }));
