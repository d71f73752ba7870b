// Where the forwarding loop's time goes, from a V8 CPU profile of the benchmark:
//
//   BENCH_PROFILE=1 node --cpu-prof --cpu-prof-dir=/tmp/p --cpu-prof-interval 50 bench/fwd.bench.mjs
//   node bench/profile.mjs /tmp/p/<file>.cpuprofile [top]
//
// Only samples taken in the measured loop count (the bench's `run` on the stack; set-up, start
// and stop are left out). One whose stack passes through the device model (@nic/test-kit) is the
// model's; the others, the forwarding side, are split by part (the driver: net_ixgbe,
// @nic/intel-common and their WebAssembly kernels; ethdev's dispatch; EAL's mempool and mbufs;
// the bench loop; garbage collection) and by the function they landed in (self time). Samples
// are counted, not weighted by the time between them: a thread that was off its CPU takes one
// sample when it resumes, however long it was away.
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile.mjs <file.cpuprofile> [top]');
  process.exit(1);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const FORWARDING = new Set(['driver', 'ethdev', 'eal (mempool, mbufs)', 'bench loop']);

/** The part of the program a frame belongs to, from its script. */
function part({ url, functionName }) {
  if (url.includes('/test-kit/')) return 'model';
  if (url.includes('/bench/')) return 'bench loop';
  if (url.includes('/intel-common/') || url.includes('/pmd-ixgbe/') || url.startsWith('wasm://')) return 'driver';
  if (url.includes('/ethdev/')) return 'ethdev';
  if (url.includes('/eal/')) return 'eal (mempool, mbufs)';
  if (functionName === '(garbage collector)') return 'gc';
  return 'other';
}

/** Whether a frame of the stack that ends at node `id` satisfies `test`. */
function onStack(id, test) {
  for (let at = id; at !== undefined; at = parent.get(at)) if (test(byId.get(at).callFrame)) return true;
  return false;
}
const inModel = (id) => onStack(id, (f) => f.url.includes('/test-kit/'));
const inLoop = (id) => onStack(id, (f) => f.functionName === 'run' && f.url.includes('/bench/'));

const hits = new Map();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const parts = new Map();
const functions = new Map();
let total = 0;
let forwarding = 0;
for (const [id, count] of hits) {
  const { callFrame } = byId.get(id);
  if (!inLoop(id)) continue;
  const p = inModel(id) ? 'model' : part(callFrame);
  parts.set(p, (parts.get(p) ?? 0) + count);
  total += count;
  if (!FORWARDING.has(p)) continue;
  forwarding += count;
  const where = callFrame.url ? ` ${callFrame.url.replace(/^.*\/(packages|apps)\//, '')}:${callFrame.lineNumber + 1}` : '';
  const key = `${callFrame.functionName || '(anonymous)'}${where}`;
  functions.set(key, (functions.get(key) ?? 0) + count);
}
const pct = (n, of) => `${((100 * n) / of).toFixed(1).padStart(5)}%`;
console.log(`${total} samples in the measured loop; by part:`);
for (const [p, n] of [...parts].sort((x, y) => y[1] - x[1])) console.log(`  ${pct(n, total)}  ${p}`);
console.log(`forwarding side (${forwarding} samples), top ${top} functions by self samples:`);
for (const [k, n] of [...functions].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(n, forwarding)}  ${k}`);
