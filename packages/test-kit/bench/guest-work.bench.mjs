// Guest work per frame of nic's igb and ixgbe PMDs (nic-fwd on @nic/pmd-igb and @nic/pmd-ixgbe)
// against DPDK's own (Debian's dpdk-testpmd: net_e1000_igb, net_ixgbe), in one QEMU guest (TCG)
// on this kit's 82576 and 82599 models served over vfio-user: two ports of each model, bound
// to uio_pci_generic (stage 1 of the vfio-user tier, as src/vfio-user/dpdk.test.ts).
//
// Under TCG a run's speed measures the emulator and the host's load, not the driver; what the
// guest executes does not move with either. The guest runs tools/qemu-tier's guest-counts
// plugin, which counts the instructions and translation blocks each vCPU executes. Each
// contender runs txonly on both ports of a model with the same flags:
//
//   -l 0,1 -n 1 --iova-mode pa -a P0 -a P1 -- --forward-mode=txonly --nb-cores=1 --burst=32
//   --rxd=512 --txd=512 --total-num-mbufs=8192 --stats-period=5 --record-burst-stats
//
// and after BENCH_WARMUP seconds (default 45: nic-fwd's forwarding path tiers up in V8 over the
// first half minute under TCG; testpmd gets the same) the bench reads the forwarding vCPU's
// counters (lcore 1 on vCPU 1) over BENCH_COUNT_SECONDS (default 10) and divides them by the
// frames the two models put on their cables meanwhile (counted by the models, which run in
// this process). Only txonly: the vCPU then does nothing but build and send frames, where rx
// modes would count idle polls too. The model's own work runs here, on the host, not in the
// guest, so it does not count.
//
// Printed and written to bench/results/guest-work.json: per driver, instructions and blocks
// per frame for each, and nic/DPDK ratios (below 1: nic's PMD does less guest work per frame);
// and per contender the share of its tx bursts that sent nothing over the whole run (its final
// TX-bursts spread, both apps' --record-burst-stats). The models run on the host, and when they
// take frames more slowly than the guest makes them the tx rings are full and both apps spin:
// that share says how much of the work per frame is waiting, which moves with the host's load.
//
// Run: `npm run build`, then `flock /tmp/nic-guest.lock npm run bench -w @nic/test-kit`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootGuest, GuestCounter, INSTALL_COMMAND, qemuTierMissing } from '@nic/qemu-tier';
import { IgbModel, IxgbeModel } from '@nic/test-kit/models';
import { VfioUserServer, vfioUserPciAddress, vfioUserQemuArgs } from '@nic/test-kit/vfio-user';

const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP ?? 45);
const COUNT_SECONDS = Number(process.env.BENCH_COUNT_SECONDS ?? 10);
const WARMUP_BLOCK_SECONDS = 5;
const START_MS = 180_000;
const STOP_MS = 60_000;
/** The share of empty tx bursts in an app's final statistics ("TX-bursts : N [x% of 0 pkts + ..."), averaged over its ports. */
function emptyBurstShare(stdout) {
  const shares = [...stdout.matchAll(/TX-bursts : \d+ \[([^\]]*)\]/g)].map((m) => Number(/(?:^|\+ )(\d+)% of 0 pkts/.exec(m[1])?.[1] ?? 0) / 100);
  return shares.length === 0 ? undefined : shares.reduce((a, b) => a + b, 0) / shares.length;
}

/** The vCPU that runs the forwarding lcore (`-l 0,1`: lcore 1 on CPU 1). */
const FORWARDING_VCPU = 1;
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FWD = `${ROOT}apps/fwd/dist/main.js`;
const RESULTS = new URL('./results/guest-work.json', import.meta.url);
const EAL = '-l 0,1 -n 1 --iova-mode pa --file-prefix nic-guest-work';
// --stats-period keeps testpmd from reading stdin (the guest gives it none: it would stop at once).
const APP = '--forward-mode=txonly --nb-cores=1 --burst=32 --rxd=512 --txd=512 --total-num-mbufs=8192 --stats-period=5 --record-burst-stats';
const CONTENDERS = [
  { who: 'dpdk', label: 'dpdk-testpmd', command: 'dpdk-testpmd', ready: /txonly packet forwarding - ports=2/ },
  { who: 'nic', label: 'nic-fwd', command: `node ${FWD} -m 64`, ready: /^Forwarding; press Ctrl-C to stop\.$/ },
];
const DRIVERS = [
  { driver: 'igb', first: 0 },
  { driver: 'ixgbe', first: 2 },
];

const progress = (line) => process.stderr.write(`${line}\n`);

async function main() {
  const missing = qemuTierMissing();
  if (missing !== undefined) {
    progress(`guest-work bench: ${missing} (${INSTALL_COMMAND})`);
    process.exitCode = 1;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'nic-guest-work-'));
  const sent = [0, 0, 0, 0];
  const models = [
    new IgbModel({ name: 'igb 0 (guest-work bench)', mac: '02:76:00:00:02:00' }),
    new IgbModel({ name: 'igb 1 (guest-work bench)', mac: '02:76:00:00:02:01' }),
    new IxgbeModel({ name: 'ixgbe 0 (guest-work bench)', mac: '02:82:00:00:02:00' }),
    new IxgbeModel({ name: 'ixgbe 1 (guest-work bench)', mac: '02:82:00:00:02:01' }),
  ];
  models.forEach((model, i) => model.onTransmit(() => void sent[i]++));
  const servers = models.map((model, i) => new VfioUserServer(join(dir, `vfu${i}.sock`), model));
  const counter = GuestCounter.create(join(dir, 'counts'));
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
      for (const c of CONTENDERS) {
        const ports = [first, first + 1];
        const proc = guest.spawn(`exec ${c.command} ${EAL} ${ports.map((p) => `-a ${addresses[p]}`).join(' ')} -- ${APP}`);
        try {
          await proc.waitFor(c.ready, START_MS);
          // The warm-up in blocks, each one's frames printed: a stalled sender shows at once.
          for (let s = 0; s < WARMUP_SECONDS; s += WARMUP_BLOCK_SECONDS) {
            const before = sent[ports[0]] + sent[ports[1]];
            await sleep(Math.min(WARMUP_BLOCK_SECONDS, WARMUP_SECONDS - s) * 1000);
            progress(`  ${c.label} on ${driver}, warm-up: ${sent[ports[0]] + sent[ports[1]] - before} frames in ${Math.min(WARMUP_BLOCK_SECONDS, WARMUP_SECONDS - s)} s`);
          }
          const frames0 = sent[ports[0]] + sent[ports[1]];
          const count0 = counter.read(FORWARDING_VCPU);
          await sleep(COUNT_SECONDS * 1000);
          const count1 = counter.read(FORWARDING_VCPU);
          const frames = sent[ports[0]] + sent[ports[1]] - frames0;
          if (frames === 0) throw new Error(`${c.label} on ${driver} sent nothing in ${COUNT_SECONDS} s:\n${proc.stdout.slice(-2000)}${proc.stderr.slice(-2000)}`);
          const r = { frames, instructionsPerFrame: (count1.instructions - count0.instructions) / frames, blocksPerFrame: (count1.blocks - count0.blocks) / frames };
          results[driver][c.who] = r;
          progress(`${driver.padEnd(6)} ${c.label.padEnd(13)} ${r.instructionsPerFrame.toFixed(0).padStart(6)} instructions, ${r.blocksPerFrame.toFixed(1).padStart(6)} blocks per frame (${frames} frames in ${COUNT_SECONDS} s)`);
        } finally {
          proc.kill('SIGINT');
          const stopped = await Promise.race([proc.done.then(() => true), sleep(STOP_MS).then(() => false)]);
          if (!stopped) {
            proc.kill('SIGKILL');
            await proc.done;
          }
          const result = results[driver][c.who];
          if (result !== undefined) {
            result.emptyTxBursts = emptyBurstShare(proc.stdout);
            progress(`  ${c.label} on ${driver}: ${result.emptyTxBursts === undefined ? 'no burst statistics' : `${(100 * result.emptyTxBursts).toFixed(0)}% of its tx bursts sent nothing (full ring)`}`);
          }
        }
        load.push(loadavg()[0]);
      }
      const { dpdk, nic } = results[driver];
      results[driver].ratio = { instructions: nic.instructionsPerFrame / dpdk.instructionsPerFrame, blocks: nic.blocksPerFrame / dpdk.blocksPerFrame };
      console.log(`${driver}: nic/DPDK guest work per frame: ${results[driver].ratio.instructions.toFixed(2)} (instructions), ${results[driver].ratio.blocks.toFixed(2)} (blocks)`);
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
