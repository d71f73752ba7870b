import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NicError } from '@nic/native';
import { isTestFrame, testFrame } from '@nic/native/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { blockRuns, bootGuest, BOOT_ATTEMPTS, GuestCounter, nicPciAddress, qemuTierMissing, type Guest } from './index.js';
import { CHECKOUT_DIR } from './host.js';

const MISSING = qemuTierMissing();
if (MISSING !== undefined) console.warn(`\n!!! SKIPPING the hardware-model (QEMU) tests: ${MISSING}\n`);

/**
 * A boot under TCG takes 10-40 s here, but once in CI a boot went past 120 s; the boot's own
 * deadline is generous, and each test's is longer still, so that a slow boot fails with
 * bootGuest's error (the step it was at and the console's last lines), not a bare timeout.
 */
const BOOT_MS = 240_000;
const BOOT_TEST_MS = BOOT_MS + 30_000;
/** The NIC the tests hand to the guest kernel's igb driver, to prove frames flow. */
const KERNEL_NIC = 1;
/** 2 MiB hugepages the guest reserves (not the default, so that the option is seen to work). */
const HUGEPAGES = 64;
/** Bytes of the test frames. */
const FRAME_LENGTH = 60;
/**
 * The kernel-igb test's deadline: above the sum of its steps' own (driver setup 30 s, the two
 * frames 10 s each, the guest commands around them), so that a step that is slow under a loaded
 * host fails with that step's message, not the test's bare timeout.
 */
const KERNEL_NIC_TEST_MS = 90_000;
/** Iterations of a shell loop the guest-counts test runs on one vCPU: a few hundred million instructions. */
const SPIN_ITERATIONS = 30_000;

/** The QEMU processes this process started that are still alive (children named qemu-system-*). */
function qemuChildren(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        // The command name is in parentheses; the parent pid is the second field after them.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return comm.startsWith('qemu-system') && ppid === process.pid;
      } catch {
        return false; // Gone meanwhile.
      }
    })
    .map(Number);
}

/** Whether process `pid` is running (neither gone nor a zombie). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** The run directories of guests (`<tmp>/nic-qemu-*`). */
function runDirs(): string[] {
  return readdirSync(tmpdir()).filter((name) => name.startsWith('nic-qemu-'));
}

/** A guest shell script that waits (at most 10 s) until interface `$IF` reports carrier `value`. */
function awaitCarrier(value: 0 | 1): string {
  return `for i in $(seq 100); do [ "$(cat /sys/class/net/$IF/carrier 2>/dev/null)" = ${value} ] && exit 0; sleep 0.1; done; exit 1`;
}

describe.skipIf(MISSING !== undefined)('a QEMU guest with two igb NICs', () => {
  let guest: Guest;
  const dirsBefore = runDirs();
  const countsDir = mkdtempSync(join(tmpdir(), 'nic-guest-counts-'));
  let counter: GuestCounter;

  beforeAll(async () => {
    counter = GuestCounter.create(join(countsDir, 'counts'), { profile: true });
    guest = await bootGuest({ nics: 2, hugepages: HUGEPAGES, timeoutMs: BOOT_MS, plugins: [counter.plugin] });
    console.info(`guest ${guest.kernelRelease} booted in ${guest.bootMs} ms`);
  }, BOOT_TEST_MS);

  afterAll(async () => {
    await guest?.shutdown();
    rmSync(countsDir, { recursive: true, force: true });
  });

  it('has both igb functions bound to vfio-pci, each with its /dev/vfio group', async () => {
    const report = guest.nics.map((nic) => {
      const dev = `/sys/bus/pci/devices/${nic.pciAddress}`;
      const group = `$(basename $(readlink ${dev}/iommu_group))`;
      return `echo "$(cat ${dev}/vendor):$(cat ${dev}/device) $(basename $(readlink ${dev}/driver)) $(test -c /dev/vfio/${group} && echo group-ok)"`;
    });
    const { code, stdout } = await guest.run(report.join('; '));
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(['0x8086:0x10c9 vfio-pci group-ok', '0x8086:0x10c9 vfio-pci group-ok']);
    expect(guest.nics.map((nic) => nic.pciAddress)).toEqual([nicPciAddress(0), nicPciAddress(1)]);
  });

  it('names its vCPU threads, so that a benchmark can tell the forwarding vCPU from the others', () => {
    const names = readdirSync(`/proc/${guest.pid}/task`).map((tid) => readFileSync(`/proc/${guest.pid}/task/${tid}/comm`, 'utf8').trim());
    expect(names.filter((name) => name.endsWith('/TCG')).sort()).toEqual(['CPU 0/TCG', 'CPU 1/TCG']);
  });

  it('counts the instructions and blocks each vCPU executes, through the guest-counts plugin', async () => {
    const spinOn = async (cpu: number): Promise<number[]> => {
      const before = [counter.read(0), counter.read(1)];
      const { code } = await guest.run(`taskset -c ${cpu} sh -c 'i=0; while [ $i -lt ${SPIN_ITERATIONS} ]; do i=$((i+1)); done'`);
      expect(code).toBe(0);
      const after = [counter.read(0), counter.read(1)];
      for (const [v, { instructions, blocks }] of after.entries()) {
        // A block is one or more instructions; under a few dozen on average in any real code.
        expect(blocks).toBeGreaterThan(before[v].blocks);
        expect(blocks).toBeLessThan(instructions);
        expect(instructions - before[v].instructions).toBeLessThan(50 * (blocks - before[v].blocks));
      }
      return after.map((a, v) => a.instructions - before[v].instructions);
    };
    // The loop's vCPU executes most of the work; the other one runs the agent meanwhile.
    const [cpu0, cpu1] = await spinOn(1);
    expect(cpu1).toBeGreaterThan(100_000_000);
    expect(cpu1).toBeGreaterThan(2 * cpu0);
    const [other0, other1] = await spinOn(0);
    expect(other0).toBeGreaterThan(100_000_000);
    expect(other0).toBeGreaterThan(2 * other1);
    expect(() => counter.read(16)).toThrow(expect.objectContaining({ code: 'NIC_EINVAL' }));
  });

  it('profiles the blocks each vCPU runs: a pinned shell loop is user blocks of that vCPU, adding up to its counters', async () => {
    const before = { counts: counter.read(1), profile: await counter.profile() };
    const { code } = await guest.run(`taskset -c 1 sh -c 'i=0; while [ $i -lt ${SPIN_ITERATIONS} ]; do i=$((i+1)); done'`);
    expect(code).toBe(0);
    const after = { counts: counter.read(1), profile: await counter.profile() };
    const runs = blockRuns(before.profile, after.profile, 1);
    const sum = (rs: typeof runs): number => rs.reduce((n, r) => n + r.insns * r.executions, 0);
    const instructions = after.counts.instructions - before.counts.instructions;
    // The snapshots come a few milliseconds after the counts, while vCPU 1 is all but idle.
    expect(sum(runs)).toBeGreaterThan(0.95 * instructions);
    expect(sum(runs)).toBeLessThan(1.05 * instructions);
    expect(runs.reduce((n, r) => n + r.executions, 0)).toBeGreaterThan(0.95 * (after.counts.blocks - before.counts.blocks));
    const user = runs.filter((r) => r.vaddr < 0xff00000000000000n && r.vaddr !== 0n);
    expect(sum(user)).toBeGreaterThan(0.8 * sum(runs));
  });

  it("runs the host's node on this checkout, at the same path, without writing to the host", async () => {
    const probe = `.qemu-tier-probe-${process.pid}`;
    const script = `node -p "process.cwd() + ' ' + JSON.parse(require('fs').readFileSync('package.json')).name" && touch ${probe}`;
    const { code, stdout } = await guest.run(script);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`${CHECKOUT_DIR} nic-monorepo`);
    expect(existsSync(`${CHECKOUT_DIR}/${probe}`)).toBe(false);
  });

  it('reserves the 2 MiB hugepages asked for, on a mounted hugetlbfs', async () => {
    const { stdout } = await guest.run('cat /proc/sys/vm/nr_hugepages; grep -c "^hugetlbfs /dev/hugepages " /proc/mounts');
    expect(stdout.split('\n')).toEqual([String(HUGEPAGES), '1', '']);
  });

  it('reports exit status, stdout and stderr, and kills a command that overruns', async () => {
    expect(await guest.run('echo out; echo err >&2; exit 3')).toEqual({ code: 3, signal: null, stdout: 'out\n', stderr: 'err\n' });
    expect(await guest.run('echo "$NIC_X"', { env: { NIC_X: 'from the host' } })).toMatchObject({ stdout: 'from the host\n' });
    await expect(guest.run('sleep 20', { timeoutMs: 500 })).rejects.toMatchObject({ code: 'NIC_EIO', message: expect.stringMatching(/timed out after 500 ms/) });
  });

  it('streams a long-running command: waits for its line, then kills it', async () => {
    const command = guest.spawn('echo starting; echo ready; exec sleep 30');
    expect((await command.waitFor(/^ready$/))[0]).toBe('ready');
    command.kill();
    expect(await command.done).toMatchObject({ signal: 'SIGTERM', stdout: 'starting\nready\n' });
  });

  it("exchanges frames with a NIC driven by the guest kernel's igb driver, both ways", async () => {
    const nic = guest.nics[KERNEL_NIC];
    const dev = `/sys/bus/pci/devices/${nic.pciAddress}`;
    // Hand the function from vfio-pci to igb and bring its interface up, IPv6 off (quiet link).
    const setup = await guest.run(
      `echo ${nic.pciAddress} > ${dev}/driver/unbind && echo > ${dev}/driver_override && modprobe igb && ` +
        `IF=$(ls ${dev}/net) && sysctl -qw net.ipv6.conf.$IF.disable_ipv6=1 && ip link set $IF up && (${awaitCarrier(1)}) && echo $IF`,
      { timeoutMs: 30_000 },
    );
    expect(setup).toMatchObject({ code: 0 });
    const ifname = setup.stdout.trim();

    // Guest to host: a raw frame sent on the interface reaches the NIC's host socket.
    const sent = Buffer.from(testFrame(0x4711, FRAME_LENGTH));
    const send = `python3 -c "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW); s.bind(('${ifname}', 0)); s.send(bytes.fromhex('${sent.toString('hex')}'))"`;
    expect(await guest.run(send)).toMatchObject({ code: 0 });
    const [received] = await nic.receive(1, { filter: isTestFrame, timeoutMs: 10_000 });
    expect(Buffer.from(received).toString('hex')).toBe(sent.toString('hex'));

    // Host to guest: a frame sent to the NIC's socket is received on the interface.
    const frame = Buffer.from(testFrame(0x0815, FRAME_LENGTH));
    const listen = guest.spawn(
      `python3 -u -c "import socket; s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5)); s.bind(('${ifname}', 0)); s.settimeout(10); print('listening'); print(s.recv(2048).hex())"`,
    );
    await listen.waitFor(/^listening$/);
    await nic.send(frame);
    expect(await listen.done).toMatchObject({ code: 0, stdout: `listening\n${frame.toString('hex')}\n` });
  }, KERNEL_NIC_TEST_MS);

  it('sets a link down and up through QMP, and the guest sees the carrier follow', async () => {
    const ifname = `$(ls /sys/bus/pci/devices/${guest.nics[KERNEL_NIC].pciAddress}/net)`;
    expect(await guest.setLink(KERNEL_NIC, false)).toEqual({});
    expect(await guest.run(`IF=${ifname}; ${awaitCarrier(0)}`)).toMatchObject({ code: 0 });
    expect(await guest.setLink(KERNEL_NIC, true)).toEqual({});
    expect(await guest.run(`IF=${ifname}; ${awaitCarrier(1)}`)).toMatchObject({ code: 0 });
    await expect(guest.setLink(7, true)).rejects.toMatchObject({ code: 'NIC_EINVAL' });
  });

  it('reports QMP errors with the command and QEMU\'s reason', async () => {
    await expect(guest.qmp('no-such-command')).rejects.toSatisfy(
      (e: unknown) => e instanceof NicError && e.code === 'NIC_EIO' && /no-such-command.*CommandNotFound/.test(e.message),
    );
    expect(await guest.qmp<{ status: string }>('query-status')).toMatchObject({ status: 'running' });
  });

  it('hot-unplugs a NIC: QEMU reports DEVICE_DELETED and the function leaves the guest', async () => {
    const address = guest.nics[0].pciAddress;
    expect(await guest.run(`test -e /sys/bus/pci/devices/${address}`)).toMatchObject({ code: 0 });
    const event = await guest.deviceDel(0);
    expect(event.data).toMatchObject({ device: 'nic0' });
    expect(await guest.run(`test -e /sys/bus/pci/devices/${address}`)).toMatchObject({ code: 1 });
  });

  it('shuts down leaving no QEMU process, run directory or socket behind', async () => {
    const pid = guest.pid;
    expect(qemuChildren()).toContain(pid);
    await guest.shutdown();
    expect(guest.isRunning).toBe(false);
    expect(qemuChildren()).toEqual([]);
    expect(runDirs()).toEqual(dirsBefore);
    await expect(guest.run('true')).rejects.toMatchObject({ code: 'NIC_EIO' });
    await expect(guest.nics[0].send(testFrame(1))).rejects.toMatchObject({ code: 'NIC_EIO' });
  });
});

describe.skipIf(MISSING !== undefined)('a guest with its RAM in a shared file and a test\'s own devices', () => {
  const ram = join(mkdtempSync(join('/dev/shm', 'nic-guest-ram-')), 'ram');
  const MEMORY_MIB = 512;
  let guest: Guest;

  beforeAll(async () => {
    guest = await bootGuest({ nics: 0, memoryMiB: MEMORY_MIB, hugepages: 0, timeoutMs: BOOT_MS, sharedMemory: { kind: 'file', path: ram }, extraArgs: ['-device', 'virtio-rng-pci,id=rng0'] });
  }, BOOT_TEST_MS);

  afterAll(async () => {
    await guest?.shutdown();
    rmSync(join(ram, '..'), { recursive: true, force: true });
  });

  it('has no igb but the device the test added', async () => {
    const { stdout } = await guest.run('for d in /sys/bus/pci/devices/*; do echo $(cat $d/vendor):$(cat $d/device); done');
    const ids = stdout.trim().split('\n');
    expect(ids).not.toContain('0x8086:0x10c9');
    expect(ids.filter((id) => id === '0x1af4:0x1005' || id === '0x1af4:0x1044')).toHaveLength(1);
  });

  it("keeps the guest's RAM in the file, where the host reads what the guest wrote", async () => {
    const marker = `nic-shared-ram-${process.pid}-${Date.now()}`;
    expect(readFileSync(`/proc/${guest.pid}/maps`, 'utf8')).toContain(ram);
    // The guest's /dev/shm is a tmpfs: the file's bytes sit in guest RAM, so in the host's file.
    const wrote = await guest.run(`printf '%s' '${marker}' > /dev/shm/marker && sync`);
    expect(wrote.code).toBe(0);
    const bytes = readFileSync(ram);
    expect(bytes.length).toBe(MEMORY_MIB * 1024 * 1024);
    expect(bytes.indexOf(marker)).toBeGreaterThanOrEqual(0);
  });
});

describe.skipIf(MISSING !== undefined)('a guest that ends without a normal shutdown', () => {
  it('rejects bad options before starting anything', async () => {
    await expect(bootGuest({ nics: -1 })).rejects.toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/nics/) });
    await expect(bootGuest({ nics: 9 })).rejects.toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/nics/) });
    const commas = { kind: 'file', path: '/dev/shm/a,share=off' } as const;
    await expect(bootGuest({ nics: 0, sharedMemory: commas })).rejects.toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/sharedMemory\.path/) });
    await expect(bootGuest({ nics: 0, incoming: 'unix:/nonexistent' })).rejects.toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/incoming needs standaloneScript/) });
    // 1 GiB pages and the 2 MiB ones may take half of the memory: 1536 MiB has no room for one.
    await expect(bootGuest({ nics: 0, hugepages1G: 1 })).rejects.toMatchObject({ code: 'NIC_EINVAL', message: expect.stringMatching(/hugepages1G must be an integer from 0 to 0/) });
  });

  it("reports the init's failure with the console, and leaves nothing behind", async () => {
    const dirsBefore = runDirs();
    const failed = await bootGuest({ nics: 1, cwd: '/nonexistent-checkout', timeoutMs: BOOT_MS }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(NicError);
    expect(failed).toMatchObject({ code: 'NIC_EIO', message: expect.stringMatching(/init failed: the agent ended[\s\S]*guest console/) });
    expect(qemuChildren()).toEqual([]);
    expect(runDirs()).toEqual(dirsBefore);
  }, BOOT_TEST_MS);

  it('boots again when the guest kernel reports an RCU stall, then reports the stall, leaving nothing behind', async () => {
    const dirsBefore = runDirs();
    // The script prints the kernel's stall report itself, so every boot of it stalls.
    const script = "echo 'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'\nwhile :; do sleep 3600; done\n";
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      const failed = await bootGuest({ nics: 0, hugepages: 0, standaloneScript: script, timeoutMs: BOOT_MS }).catch((e: unknown) => e);
      expect(failed).toMatchObject({ code: 'NIC_EIO', message: expect.stringContaining(`stalled while booting, boot ${BOOT_ATTEMPTS} of ${BOOT_ATTEMPTS}`) });
      const retries = stderr.mock.calls.map(([chunk]) => String(chunk)).filter((line) => line.includes('booting again'));
      expect(retries).toHaveLength(BOOT_ATTEMPTS - 1);
      expect(retries[0]).toContain(`boot 1 of ${BOOT_ATTEMPTS}`);
    } finally {
      stderr.mockRestore();
    }
    expect(qemuChildren()).toEqual([]);
    expect(runDirs()).toEqual(dirsBefore);
  }, BOOT_TEST_MS);

  it('takes its QEMU with it: SIGKILL of the process that booted a guest ends the emulator', async () => {
    // The fixture's run directory goes to a temporary directory of its own: a killed process
    // cannot remove it, and it must not show up in the other tests' view of <tmp>.
    const tmp = mkdtempSync(join(tmpdir(), 'nic-held-guest-'));
    const fixture = new URL('./__fixtures__/boot-and-hold.mjs', import.meta.url);
    const child = spawn(process.execPath, [fixture.pathname, String(BOOT_MS)], { env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /qemu (\d+)\n/.exec(out);
          if (match) resolve(Number(match[1]));
        });
        child.once('exit', (code, signal) => reject(new Error(`the fixture ended (${code ?? signal}) before its guest booted`)));
      });
      expect(running(pid)).toBe(true);
      child.kill('SIGKILL');
      await vi.waitFor(() => expect(running(pid)).toBe(false), { timeout: 10_000, interval: 50 });
    } finally {
      child.kill('SIGKILL');
      rmSync(tmp, { recursive: true, force: true });
    }
  }, BOOT_TEST_MS);
});
