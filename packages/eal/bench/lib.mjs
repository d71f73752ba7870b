// Shared helpers of the @nic/eal benchmarks: interleaved best-of timing, the DPDK peer
// (Debian's dpdk-test, run as a child process), the TSC frequency, tables and JSON results.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { lcoreCpus, lcoresOnCpus, processCpus } from '@nic/eal';

const here = dirname(fileURLToPath(import.meta.url));
const AFFINITY = processCpus();

/**
 * The CPUs of lcores 0 and 1 (dpdk-test's two lcores, and the two ring worker threads): the
 * first two of this process's affinity set, or its one CPU twice under `taskset -c 1`.
 */
export const LCORE_CPUS = lcoreCpus(2, AFFINITY);
const SHARED_CPU = LCORE_CPUS[0] === LCORE_CPUS[1];

/**
 * dpdk-test's command line: the one DESIGN.md gives, its lcores on {@link LCORE_CPUS}
 * (`--lcores`: DPDK's `-l` takes no `@`), plus the EAL debug log that prints the TSC rate.
 */
export const DPDK_TEST_ARGS = ['--no-huge', '-m', '512', '--lcores', lcoresOnCpus(2, AFFINITY), '--no-pci', '--log-level=lib.eal:debug'];

/** Says where lcores 0 and 1 run, and, when they share one CPU, that two-lcore figures are not comparable. */
export function printLcoreCpus() {
  console.log(`lcores 0 and 1 (dpdk-test's, and the two-thread cases') on CPUs ${LCORE_CPUS.join(' and ')}`);
  if (SHARED_CPU) console.log(`!! one CPU in this process's affinity set: lcores 0 and 1 share CPU ${LCORE_CPUS[0]}, so two-lcore figures are not comparable with a run on two CPUs`);
}

/** Path of dpdk-test, or undefined (after saying loudly how to get it). */
export function findDpdkTest() {
  try {
    return execFileSync('which', ['dpdk-test'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    console.log('!!! dpdk-test not found: no DPDK peer figures. Install it with: apt-get install -y dpdk-dev');
    return undefined;
  }
}

function hasStdbuf() {
  try {
    execFileSync('which', ['stdbuf'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The installed DPDK version, from pkg-config or dpkg, or 'unknown'. */
export function dpdkVersion() {
  for (const [cmd, args] of [
    ['pkg-config', ['--modversion', 'libdpdk']],
    ['dpkg-query', ['-W', '-f', '${Version}', 'dpdk']],
  ]) {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      // Try the next source.
    }
  }
  return 'unknown';
}

/**
 * Runs one dpdk-test command and collects its output lines. `stopWhen(line)` returning true
 * ends the run early (the process is killed), as does `timeoutMs`.
 * Resolves with { lines, tscHz, complete }.
 */
export function runDpdkTest(binary, command, { stopWhen = () => false, timeoutMs = 30 * 60_000, onLine = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    // dpdk-test's stdout is block-buffered into a pipe; stdbuf makes it line-buffered so
    // results arrive as they are measured and stopWhen can end the run in time.
    const lineBuffered = hasStdbuf();
    const child = spawn(lineBuffered ? 'stdbuf' : binary, lineBuffered ? ['-oL', '-eL', binary, ...DPDK_TEST_ARGS] : DPDK_TEST_ARGS, {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const lines = [];
    let tscHz;
    let pending = '';
    let stopped = false;
    const timer = setTimeout(() => stop(), timeoutMs);
    const stop = () => {
      stopped = true;
      child.kill('SIGTERM');
    };
    const take = (chunk) => {
      pending += chunk;
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trimEnd();
        pending = pending.slice(nl + 1);
        lines.push(line);
        onLine(line);
        const tsc = /TSC frequency is ~(\d+) KHz/.exec(line);
        if (tsc) tscHz = Number(tsc[1]) * 1000;
        if (!stopped && stopWhen(line)) stop();
      }
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', take);
    child.once('error', reject);
    child.once('close', () => {
      clearTimeout(timer);
      resolve({ lines, tscHz, complete: !stopped && lines.some((l) => l.includes('Test OK')) });
    });
    child.stdin.end(`${command}\n`);
  });
}

/** The CPU clock from /proc/cpuinfo, a fallback for the TSC rate (constant_tsc CPUs). */
export function cpuinfoHz() {
  const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
  return mhz ? Number(mhz[1]) * 1e6 : undefined;
}

/**
 * Times each case `rounds` times, interleaving the cases, and keeps each one's fastest
 * round, so a burst of load from other processes hurts every case alike. A case is
 * `(iterations) => sink` and `opsPerIteration` says how many units (elements) one
 * iteration moves. Returns { [name]: ns per unit }.
 */
export function bestOf(cases, { rounds = 7, warmup = 2 } = {}) {
  const best = {};
  let sink = 0;
  for (const c of cases) {
    for (let w = 0; w < warmup; w++) sink += c.run(c.iterations >>> 2);
    best[c.name] = Infinity;
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of cases) {
      const start = performance.now();
      sink += c.run(c.iterations);
      const ns = ((performance.now() - start) * 1e6) / (c.iterations * c.opsPerIteration);
      if (ns < best[c.name]) best[c.name] = ns;
    }
  }
  if (Number.isNaN(sink)) throw new Error('unreachable: keeps the results alive');
  return best;
}

/** Prints rows (arrays of cells) under headers, columns padded. */
export function printTable(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => (c === undefined || c === null ? '—' : String(c))));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(cells[0]));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** Fixed-point text of a number, or undefined. */
export function fmt(value, digits = 2) {
  return value === undefined || value === null || !Number.isFinite(value) ? undefined : value.toFixed(digits);
}

/** Facts about the machine and the run, recorded with every result. */
export function machine() {
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cpus: availableParallelism(),
    lcoreCpus: LCORE_CPUS,
    sharedCpu: SHARED_CPU,
    loadavg: loadavg(),
  };
}

/** Writes `bench/results/<name>.json` and returns its path. */
export function writeResults(name, data) {
  const dir = join(here, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ machine: machine(), ...data }, null, 2)}\n`);
  return file;
}

/** Whether this module is the script node was started with. */
export function isMain(url) {
  return process.argv[1] !== undefined && fileURLToPath(url) === process.argv[1];
}
