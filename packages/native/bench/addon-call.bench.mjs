// The cost of one addon call against one typed-array access over mapped memory: the reason
// the per-packet path never calls the addon. Run with `npm run bench -w @nic/native` after a
// build; writes bench/results/addon-call.json and prints a table.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { allocAnonymous, allocHugepages, HUGEPAGE_2M, mb, pageSize } from '../dist/index.js';

const require = createRequire(import.meta.url);
const raw = require('../build/Release/nic_native.node');

const ITERATIONS = 2_000_000;
const ROUNDS = 21;
const WORDS = 1 << 16; // 256 KiB of u32, inside L2 on most CPUs

function memory() {
  try {
    return { mapping: allocHugepages(HUGEPAGE_2M, { pageSize: HUGEPAGE_2M }), kind: '2 MiB hugepage' };
  } catch (error) {
    return { mapping: allocAnonymous(WORDS * 4), kind: `anonymous (no hugepage: ${error.code})` };
  }
}

// Each case runs `n` operations and returns a value so the loop cannot be dropped.
const { mapping, kind } = memory();
const u32 = new Uint32Array(mapping.buffer, 0, WORDS);
const mask = WORDS - 1;
const cases = {
  'addon call: nop()': (n) => {
    for (let i = 0; i < n; i++) raw.nop();
    return n;
  },
  'addon call: mb()': (n) => {
    for (let i = 0; i < n; i++) mb();
    return n;
  },
  'addon call: pageSize() (wrapped, returns a number)': (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += pageSize();
    return sum;
  },
  'Uint32Array load (mapped memory)': (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += u32[(i * 7) & mask];
    return sum;
  },
  'Uint32Array store (mapped memory)': (n) => {
    for (let i = 0; i < n; i++) u32[(i * 7) & mask] = i;
    return u32[0];
  },
  'Atomics.load (mapped memory)': (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Atomics.load(u32, (i * 7) & mask);
    return sum;
  },
};

// Rounds interleave the cases, and each case keeps its fastest round, so that a burst of
// load from other processes hurts every case alike instead of one.
function measure() {
  const best = Object.fromEntries(Object.keys(cases).map((name) => [name, Infinity]));
  let sink = 0;
  for (const run of Object.values(cases)) sink += run(ITERATIONS / 10); // let the JIT optimise
  for (let r = 0; r < ROUNDS; r++) {
    for (const [name, run] of Object.entries(cases)) {
      const start = process.hrtime.bigint();
      sink += run(ITERATIONS);
      best[name] = Math.min(best[name], Number(process.hrtime.bigint() - start) / ITERATIONS);
    }
  }
  return { best, sink };
}

const results = Object.fromEntries(Object.entries(measure().best).map(([name, ns]) => [name, Number(ns.toFixed(3))]));
mapping.unmap();

const call = results['addon call: nop()'];
const load = results['Uint32Array load (mapped memory)'];
const store = results['Uint32Array store (mapped memory)'];
const report = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
  memory: kind,
  iterations: ITERATIONS,
  rounds: ROUNDS,
  nsPerOp: results,
  ratio: {
    callPerLoad: Number((call / load).toFixed(1)),
    callPerStore: Number((call / store).toFixed(1)),
  },
};

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/addon-call.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);

console.log(`addon call vs typed-array access (${report.node}, ${report.cpu}, memory: ${kind})`);
console.table(Object.fromEntries(Object.entries(results).map(([name, ns]) => [name, { 'ns/op': ns }])));
console.log(`one addon call costs ${report.ratio.callPerLoad}x a load and ${report.ratio.callPerStore}x a store`);
