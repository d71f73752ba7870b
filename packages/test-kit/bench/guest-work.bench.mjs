// Guest work per frame of nic's igb and ixgbe PMDs (nic-fwd on @nic/pmd-igb and @nic/pmd-ixgbe)
// against DPDK's own (Debian's dpdk-testpmd: net_e1000_igb, net_ixgbe), in one QEMU guest (TCG)
// on this kit's 82576 and 82599 models served over vfio-user: two ports of each model, bound
// to uio_pci_generic (stage 1 of the vfio-user tier, as src/vfio-user/dpdk.test.ts).
//
// Under TCG a run's speed measures the emulator and the host's load, not the driver; what the
// guest executes does not move with either. The guest runs tools/qemu-tier's guest-counts
// plugin, which counts the instructions and translation blocks each vCPU executes; the
// forwarding lcore (lcore 1) runs on vCPU 1, and only its counts are taken.
//
// The models run on the host, at the host's pace, so a polling app spends part of its time in
// polls that move nothing: rx polls of an empty ring, tx bursts refused by a full ring (each
// app builds the frames, offers them, and frees what the ring refused). Their share follows the
// host's load, so instructions over a window divided by its frames say more of the load than
// of the driver. The bench takes the polls out instead. Each app records every burst
// (`--record-burst-stats`: testpmd's, and nic-fwd's with the same counting) and the bench reads
// its bursts B and frames F at the edges of two windows of one run, reading the vCPU's counts
// I at each edge too:
//
//   - busy: frames move (tx: the models take every frame; rx: the bench keeps both ports' rx
//     rings full from the host, refilling each as the app hands its descriptors back);
//   - idle: no frame moves (tx: the models hold transmission, `pauseTransmit`, as a link
//     partner's XOFF would, so the rings stay full; rx: nothing is offered).
//
// Guest work is taken as a cost per burst plus a cost per frame, I = B * poll + F * frame, and
// the two windows give the two unknowns (in the idle window F is 0, so poll is what an empty
// poll costs). The figure per driver and app is the work per frame in full bursts,
// frame + poll / 32: what the guest executes per frame when no poll is wasted. Both
// directions: txonly (build, offer, complete and free) and rxonly (receive, refill, free).
// Frames are the port counters the app prints (the models' counts). testpmd's windows are
// `start` ... `stop` through its command line, the counts read while it is stopped (exact);
// nic-fwd's are between its --stats-json period lines, the counts read as each arrives on the
// host (off by the difference of the two lines' delays).
//
// Each app runs with the same flags:
//
//   -l 0,1 -n 1 --iova-mode pa -a P0 -a P1 -- --forward-mode=txonly|rxonly --nb-cores=1
//   --burst=32 --rxd=512 --txd=512 --total-num-mbufs=8192 --record-burst-stats
//
// after BENCH_WARMUP seconds busy (default 45: nic-fwd's forwarding path tiers up in V8 over
// the first half minute under TCG; testpmd gets the same), windows of BENCH_COUNT_SECONDS
// (default 10). BENCH_DRIVERS picks drivers (default igb,ixgbe), BENCH_DIRECTIONS directions
// (default tx,rx), BENCH_APPS apps (default dpdk,nic).
//
// BENCH_PROFILE=1 also says where the work goes: the plugin counts every translation block's
// executions per vCPU, a snapshot is taken at each window edge, nic-fwd runs under node's
// `--perf-basic-prof` (its JIT map names V8's code and the WebAssembly kernels), and the ELF
// symbols of the mapped files name the rest (see @nic/qemu-tier's guest-profile.ts). Each
// function's work is solved as the totals are (its share per burst and per frame) and the
// functions are printed by work per frame in full bursts, with the sum of them.
//
// Printed and written to bench/results/guest-work.json.
//
// Run: `npm run build`, then `flock /tmp/nic-guest.lock npm run bench -w @nic/test-kit`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { setImmediate } from 'node:timers';
import { blockRuns, bootGuest, GuestCounter, GuestSymbolizer, INSTALL_COMMAND, qemuTierMissing, workByFunction } from '@nic/qemu-tier';
import { IgbModel, IxgbeModel } from '@nic/test-kit/models';
import { VfioUserServer, vfioUserPciAddress, vfioUserQemuArgs } from '@nic/test-kit/vfio-user';

const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? 45);
const COUNT_SECONDS = Number(process.env.BENCH_COUNT_SECONDS ?? 10);
const DRIVER_NAMES = (process.env.BENCH_DRIVERS ?? 'igb,ixgbe').split(',');
const DIRECTIONS = (process.env.BENCH_DIRECTIONS ?? 'tx,rx').split(',');
const APPS = (process.env.BENCH_APPS ?? 'dpdk,nic').split(',');
const PROFILE = process.env.BENCH_PROFILE === '1';
/** Functions printed per app and direction in a profile. */
const PROFILE_TOP = 25;
/** Functions kept per app and direction in the results file. */
const PROFILE_JSON_TOP = 60;
const WARMUP_BLOCK_SECONDS = 5;
/** Time for the rings to settle after busy turns idle (tx rings fill, rx rings drain). */
const SETTLE_SECONDS = 2;
const START_MS = 180_000;
const STOP_MS = 60_000;
const SAMPLE_MS = 60_000;
const BURST = 32;
/** Frames the rx pump offers a port per turn of the event loop, at most. */
const PUMP_BATCH = 64;
const RX_FRAME_BYTES = 60;
/** IEEE 802 local experimental EtherType: the rx frames are for no protocol. */
const ETHERTYPE_EXPERIMENTAL = [0x88, 0xb5];

/** The vCPU that runs the forwarding lcore (`-l 0,1`: lcore 1 on CPU 1). */
const FORWARDING_VCPU = 1;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FWD = `${ROOT}apps/fwd/dist/main.js`;
const RESULTS = new URL('./results/guest-work.json', import.meta.url);
const EAL = '-l 0,1 -n 1 --iova-mode pa --file-prefix nic-guest-work';
const APP = '--nb-cores=1 --burst=32 --rxd=512 --txd=512 --total-num-mbufs=8192 --record-burst-stats';
const MODES = { tx: 'txonly', rx: 'rxonly' };
const DRIVERS = [
  { driver: 'igb', first: 0 },
  { driver: 'ixgbe', first: 2 },
].filter((d) => DRIVER_NAMES.includes(d.driver));

/** Frames each model put on its cable. */
const sentFrames = new Map();
const progress = (line) => process.stderr.write(`${line}\n`);

/** Waits until `probe()` returns something other than undefined, or throws after `ms`. */
async function until(what, probe, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * dpdk-testpmd in interactive mode (its output line-buffered: into a pipe, its prints would
 * wait for a full buffer), its command line fed from a FIFO the bench writes to. A window is
 * one `start` ... `stop`: between them the forwarding lcore waits on its launch pipe, so its
 * vCPU's counts stand still and reading them then is exact; `start` clears the statistics and
 * `stop` prints the window's own: the ports' RX-/TX-packets (the accumulated block) and the
 * `RX-bursts`/`TX-bursts` totals of the ports.
 */
function testpmd(guest, mode, addresses) {
  const fifo = `/tmp/nic-guest-work-${mode}.cmd`;
  const proc = guest.spawn(`rm -f ${fifo}; mkfifo ${fifo} && exec stdbuf -oL dpdk-testpmd ${EAL} ${addresses.map((a) => `-a ${a}`).join(' ')} -- -i --auto-start --forward-mode=${mode} ${APP} 0<>${fifo}`);
  const command = async (line) => {
    const r = await guest.run(`echo '${line}' > ${fifo}`, { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`testpmd command ${line}: ${r.stderr}`);
  };
  let forwarding = true;
  /** Stops forwarding and returns the statistics `stop` prints. */
  const stop = async (kind) => {
    forwarding = false;
    const from = proc.stdout.length;
    await command('stop');
    return until(
      'testpmd\'s forward statistics',
      () => {
        const text = proc.stdout.slice(from);
        const total = /Accumulated forward statistics for all ports\+*\n\s*RX-packets:\s*(\d+).*\n\s*TX-packets:\s*(\d+).*\n\s*\+{10,}/.exec(text);
        // testpmd prints them once the lcore has stopped.
        if (total === null) return undefined;
        const ports = text.slice(0, total.index);
        const bursts = [...ports.matchAll(new RegExp(`${kind === 'tx' ? 'TX' : 'RX'}-bursts : (\\d+)`, 'g'))].reduce((n, m) => n + Number(m[1]), 0);
        return { frames: Number(total[kind === 'tx' ? 2 : 1]), bursts };
      },
      SAMPLE_MS,
    );
  };
  return {
    label: 'dpdk-testpmd',
    proc,
    pattern: 'dpdk-testpmd',
    ready: new RegExp(`${mode} packet forwarding - ports=2`),
    /** Stops forwarding (the warm-up's) until the next window. */
    async settle(kind) {
      if (forwarding) await stop(kind);
    },
    async window(kind, seconds, read) {
      const from = proc.stdout.length;
      const before = await read();
      await command('start');
      forwarding = true;
      await until('testpmd\'s start', () => (proc.stdout.slice(from).includes('packet forwarding - ports=2') ? true : undefined), SAMPLE_MS);
      await sleep(seconds * 1000);
      const stats = await stop(kind);
      const after = await read();
      return { ...stats, ...delta(before, after) };
    },
    async stop() {
      await command('quit').catch(() => undefined);
    },
  };
}

/** nic-fwd with --stats-json: a sample is its next period line (ports' packets and burst spreads so far). */
function nicFwd(guest, mode, addresses) {
  const proc = guest.spawn(`exec node ${PROFILE ? '--perf-basic-prof ' : ''}${FWD} -m 64 ${EAL} ${addresses.map((a) => `-a ${a}`).join(' ')} -- --forward-mode=${mode} ${APP} --stats-json --stats-period=1`);
  return {
    label: 'nic-fwd',
    proc,
    pattern: 'fwd/dist/main.js',
    ready: /Forwarding; press Ctrl-C to stop\./,
    async sample(kind) {
      const from = proc.stdout.length;
      return until(
        'nic-fwd\'s next statistics line',
        () => {
          // Whole lines only: the last piece may be a line still arriving.
          const line = proc.stdout
            .slice(from)
            .split('\n')
            .slice(0, -1)
            .find((l) => l.startsWith('{"event":"stats"'));
          if (line === undefined) return undefined;
          const { ports } = JSON.parse(line);
          const spread = (p) => (kind === 'tx' ? p.txBursts : p.rxBursts);
          return {
            frames: ports.reduce((n, p) => n + (kind === 'tx' ? p.txPackets : p.rxPackets), 0),
            bursts: ports.reduce((n, p) => n + spread(p).reduce((a, b) => a + b, 0), 0),
          };
        },
        SAMPLE_MS,
      );
    },
    /** The rings take a moment to fill (tx) or drain (rx) once busy turns idle. */
    async settle() {
      await sleep(SETTLE_SECONDS * 1000);
    },
    /** A window between two period lines, the counts read as each reaches the host. */
    async window(kind, seconds, read) {
      const a = { ...(await this.sample(kind)), ...(await read()) };
      await sleep(seconds * 1000);
      const b = { ...(await this.sample(kind)), ...(await read()) };
      return { frames: b.frames - a.frames, bursts: b.bursts - a.bursts, ...delta(a, b) };
    },
    async stop() {
      proc.kill('SIGINT');
    },
  };
}

const CONTENDERS = [
  { who: 'dpdk', start: testpmd },
  { who: 'nic', start: nicFwd },
].filter((c) => APPS.includes(c.who));

/** A window's figures without its block runs. */
function counts(window) {
  const figures = { ...window };
  delete figures.runs;
  return figures;
}

/** The work between two readings of the counter (and the blocks run, when profiling). */
function delta(a, b) {
  return { instructions: b.instructions - a.instructions, blocks: b.blocks - a.blocks, ...(PROFILE ? { runs: blockRuns(a.profile, b.profile, FORWARDING_VCPU) } : {}) };
}

/** Keeps the rx rings of `ports` full from the host while on: every descriptor handed back is filled at once. */
class RxPump {
  delivered = 0;
  #on = false;
  #frames;
  #ports;

  constructor(ports) {
    this.#ports = ports;
    this.#frames = ports.map((p) => {
      const frame = new Uint8Array(RX_FRAME_BYTES);
      frame.set(p.mac, 0);
      frame.set([0x02, 0, 0, 0, 0x47, 0x57], 6);
      frame.set(ETHERTYPE_EXPERIMENTAL, 12);
      return frame;
    });
  }

  set on(on) {
    const was = this.#on;
    this.#on = on;
    if (on && !was) setImmediate(() => this.#turn());
  }

  #turn() {
    if (!this.#on) return;
    this.#ports.forEach((port, i) => {
      for (let n = 0; n < PUMP_BATCH && port.receiveFrame(this.#frames[i]) === 'delivered'; n++) this.delivered++;
    });
    setImmediate(() => this.#turn());
  }
}

/** Cost per burst and per frame from two windows' bursts, frames and counts (I = B * poll + F * frame). */
function solve(busy, idle, key) {
  const det = busy.bursts * idle.frames - idle.bursts * busy.frames;
  const poll = (busy[key] * idle.frames - idle[key] * busy.frames) / det;
  const frame = (busy.bursts * idle[key] - idle.bursts * busy[key]) / det;
  return { poll, frame, perFrame: frame + poll / BURST };
}

/**
 * Where the work of the forwarding vCPU went: each function's share of both windows, solved
 * as the totals are, by work per frame in full bursts (the kernel's blocks are one entry).
 */
async function breakdown(guest, app, busyWindow, idleWindow) {
  const pid = Number((await guest.run(`pgrep -o -f '${app.pattern}'`)).stdout.trim());
  const symbols = await GuestSymbolizer.of(guest, pid);
  const busy = workByFunction(busyWindow.runs, (a) => symbols.name(a));
  const idle = workByFunction(idleWindow.runs, (a) => symbols.name(a));
  const none = { instructions: 0, blocks: 0 };
  const rows = [...new Set([...busy.keys(), ...idle.keys()])].map((name) => {
    const b = { ...busyWindow, ...(busy.get(name) ?? none) };
    const i = { ...idleWindow, ...(idle.get(name) ?? none) };
    return { name, instructions: solve(b, i, 'instructions'), blocks: solve(b, i, 'blocks') };
  });
  rows.sort((x, y) => y.instructions.perFrame - x.instructions.perFrame);
  const sum = (key, part) => rows.reduce((n, r) => n + r[key][part], 0);
  const shorten = (name) => name.replaceAll(`file://${ROOT}`, '').replaceAll(ROOT, '');
  progress(`  ${app.label}: where the work goes, per frame in full bursts (instructions, blocks) and per burst that moves nothing (instructions):`);
  for (const r of rows.slice(0, PROFILE_TOP)) {
    progress(`    ${r.instructions.perFrame.toFixed(1).padStart(7)} ${r.blocks.perFrame.toFixed(2).padStart(6)} ${r.instructions.poll.toFixed(0).padStart(6)}  ${shorten(r.name)}`);
  }
  progress(`    ${sum('instructions', 'perFrame').toFixed(1).padStart(7)} ${sum('blocks', 'perFrame').toFixed(2).padStart(6)} ${sum('instructions', 'poll').toFixed(0).padStart(6)}  (all ${rows.length} functions)`);
  return rows.slice(0, PROFILE_JSON_TOP).map((r) => ({ ...r, name: shorten(r.name) }));
}

/** One app, one direction: warm-up, then the busy and the idle window. */
async function measure(guest, counter, c, kind, ports, addresses) {
  const mode = MODES[kind];
  const app = c.start(guest, mode, addresses);
  const pump = new RxPump(ports);
  const moved = () => (kind === 'tx' ? ports.reduce((n, p) => n + sentFrames.get(p), 0) : pump.delivered);
  const busy = (on) => {
    if (kind === 'tx') for (const p of ports) p.pauseTransmit(!on);
    else pump.on = on;
  };
  try {
    await app.proc.waitFor(app.ready, START_MS).catch((e) => {
      throw new Error(`${app.label} ${mode} did not start: ${e.message}\n${app.proc.stdout.slice(-3000)}${app.proc.stderr.slice(-3000)}`);
    });
    busy(true);
    // The warm-up in blocks, each one's frames printed: a stalled app shows at once.
    for (let s = 0; s < WARMUP_SECONDS; s += WARMUP_BLOCK_SECONDS) {
      const before = moved();
      await sleep(Math.min(WARMUP_BLOCK_SECONDS, WARMUP_SECONDS - s) * 1000);
      progress(`  ${app.label} ${mode}, warm-up: ${moved() - before} frames in ${Math.min(WARMUP_BLOCK_SECONDS, WARMUP_SECONDS - s)} s`);
    }
    const read = async () => ({ ...counter.read(FORWARDING_VCPU), ...(PROFILE ? { profile: await counter.profile() } : {}) });
    await app.settle(kind);
    const busyWindow = await app.window(kind, COUNT_SECONDS, read);
    busy(false);
    await app.settle(kind);
    const idleWindow = await app.window(kind, COUNT_SECONDS, read);
    if (busyWindow.frames === 0) throw new Error(`${app.label} ${mode} moved no frame in the busy window:\n${app.proc.stdout.slice(-2000)}${app.proc.stderr.slice(-2000)}`);
    const instructions = solve(busyWindow, idleWindow, 'instructions');
    const blocks = solve(busyWindow, idleWindow, 'blocks');
    const functions = PROFILE ? await breakdown(guest, app, busyWindow, idleWindow) : undefined;
    const r = {
      busy: counts(busyWindow),
      idle: counts(idleWindow),
      // What the old measure gave: the busy window's work over its frames, empty polls and all.
      rawInstructionsPerFrame: busyWindow.instructions / busyWindow.frames,
      burstsPer32Frames: (busyWindow.bursts * BURST) / busyWindow.frames,
      instructions,
      blocks,
      ...(functions === undefined ? {} : { functions }),
    };
    progress(
      `  ${app.label} ${mode}: busy ${busyWindow.frames} frames in ${busyWindow.bursts} bursts (${r.burstsPer32Frames.toFixed(2)} per 32 frames), idle ${idleWindow.frames} frames in ${idleWindow.bursts} bursts; ` +
        `per burst ${instructions.poll.toFixed(0)} instructions ${blocks.poll.toFixed(1)} blocks, per frame ${instructions.frame.toFixed(1)} / ${blocks.frame.toFixed(2)}; ` +
        `in full bursts ${instructions.perFrame.toFixed(1)} instructions, ${blocks.perFrame.toFixed(2)} blocks per frame (raw ${r.rawInstructionsPerFrame.toFixed(0)})`,
    );
    return r;
  } finally {
    pump.on = false;
    for (const p of ports) p.pauseTransmit(false);
    await app.stop();
    const stopped = await Promise.race([app.proc.done.then(() => true), sleep(STOP_MS).then(() => false)]);
    if (!stopped) {
      app.proc.kill('SIGKILL');
      await app.proc.done;
    }
  }
}

async function main() {
  const missing = qemuTierMissing();
  if (missing !== undefined) {
    progress(`guest-work bench: ${missing} (${INSTALL_COMMAND})`);
    process.exitCode = 1;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'nic-guest-work-'));
  const models = [
    new IgbModel({ name: 'igb 0 (guest-work bench)', mac: '02:76:00:00:02:00' }),
    new IgbModel({ name: 'igb 1 (guest-work bench)', mac: '02:76:00:00:02:01' }),
    new IxgbeModel({ name: 'ixgbe 0 (guest-work bench)', mac: '02:82:00:00:02:00' }),
    new IxgbeModel({ name: 'ixgbe 1 (guest-work bench)', mac: '02:82:00:00:02:01' }),
  ];
  for (const model of models) {
    sentFrames.set(model, 0);
    model.onTransmit(() => void sentFrames.set(model, sentFrames.get(model) + 1));
  }
  const servers = models.map((model, i) => new VfioUserServer(join(dir, `vfu${i}.sock`), model));
  const counter = GuestCounter.create(join(dir, 'counts'), { profile: PROFILE });
  const load = [loadavg()[0]];
  let guest;
  const results = {};
  try {
    guest = await bootGuest({ nics: 0, cwd: ROOT, sharedMemory: { kind: 'memfd' }, plugins: [counter.plugin], extraArgs: vfioUserQemuArgs(servers.map((s) => s.path)), timeoutMs: 240_000 });
    const addresses = models.map((_, i) => vfioUserPciAddress(i));
    const bind = addresses.map((a) => `d=/sys/bus/pci/devices/${a}; if [ -e $d/driver ]; then echo ${a} > $d/driver/unbind; fi; echo uio_pci_generic > $d/driver_override && echo ${a} > /sys/bus/pci/drivers_probe || exit 1`).join('; ');
    const bound = await guest.run(`modprobe uio_pci_generic && ${bind}`, { timeoutMs: 60_000 });
    if (bound.code !== 0) throw new Error(`binding to uio_pci_generic failed: ${bound.stdout}${bound.stderr}`);
    for (const { driver, first } of DRIVERS) {
      results[driver] = {};
      const pair = [first, first + 1];
      for (const kind of DIRECTIONS) {
        const per = (results[driver][kind] = {});
        for (const c of CONTENDERS) {
          per[c.who] = await measure(
            guest,
            counter,
            c,
            kind,
            pair.map((p) => models[p]),
            pair.map((p) => addresses[p]),
          );
          load.push(loadavg()[0]);
        }
        if (per.nic === undefined || per.dpdk === undefined) continue;
        per.ratio = { instructions: per.nic.instructions.perFrame / per.dpdk.instructions.perFrame, blocks: per.nic.blocks.perFrame / per.dpdk.blocks.perFrame };
        console.log(
          `${driver} ${MODES[kind]}: per frame in full bursts, dpdk-testpmd ${per.dpdk.instructions.perFrame.toFixed(1)} instructions ${per.dpdk.blocks.perFrame.toFixed(2)} blocks, ` +
            `nic-fwd ${per.nic.instructions.perFrame.toFixed(1)} / ${per.nic.blocks.perFrame.toFixed(2)}; nic/DPDK ${per.ratio.instructions.toFixed(2)} (instructions), ${per.ratio.blocks.toFixed(2)} (blocks)`,
        );
      }
    }
  } finally {
    await guest?.shutdown();
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const summary = { date: new Date().toISOString(), warmupSeconds: WARMUP_SECONDS, countSeconds: COUNT_SECONDS, hostLoadAverage: load, kernel: guest?.kernelRelease, results };
  writeFileSync(RESULTS, `${JSON.stringify(summary, null, 2)}\n`);
}

await main();
