/**
 * DPDK's testpmd in interactive mode with net_virtio_user as the frontend of a vhost-user
 * socket: the real peer of the vhost tests. Its memory is `--no-huge` (a memfd it can share);
 * its two lcores run on the CPUs this process may use.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { lcoresOnCpus, processCpus } from '@nic/eal';

export const TESTPMD = '/usr/bin/dpdk-testpmd';
/** Why the peer tier cannot run here, or undefined. */
export const TESTPMD_MISSING = existsSync(TESTPMD) ? undefined : `${TESTPMD} is missing (tools/setup-host.sh installs Debian's dpdk)`;
/**
 * Time a test with a testpmd peer may take: its prompt alone may take the whole default wait
 * (20 s) on a loaded machine, before the link and the traffic the test then awaits.
 */
export const TESTPMD_TEST_MS = 90_000;

export class Testpmd {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #prefix: string;
  #out = '';
  #err = '';
  #exited = false;

  /**
   * Starts testpmd with a virtio_user port of `queues` queue pairs on `socketPath`;
   * `devargs` adds virtio_user devargs, `extra` testpmd arguments.
   */
  constructor(socketPath: string, prefix: string, devargs = '', extra: string[] = [], queues = 1) {
    const args = [
      '--lcores', lcoresOnCpus(2, processCpus()), '--no-pci', '--no-huge', '-m', '256', `--file-prefix=${prefix}`, '--log-level=*:notice',
      '--vdev', `net_virtio_user0,path=${socketPath},queues=${queues}${devargs}`,
      '--', '-i', '--total-num-mbufs=4096', '--nb-cores=1', `--rxq=${queues}`, `--txq=${queues}`, ...extra,
    ];
    // Line-buffered stdout, so each command's output arrives before its next prompt.
    this.#prefix = prefix;
    this.#child = spawn('stdbuf', ['-oL', TESTPMD, ...args], { stdio: 'pipe' });
    this.#child.stdout.on('data', (d: Buffer) => (this.#out += d.toString()));
    // stderr apart: its lines would otherwise land inside a prompt that stdout has not ended.
    this.#child.stderr.on('data', (d: Buffer) => (this.#err += d.toString()));
    this.#child.on('exit', () => (this.#exited = true));
  }

  get output(): string {
    return this.#out;
  }

  /** Waits until the output since `from` matches `pattern`; returns the match. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 20000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.#out.slice(from).match(pattern);
      if (m) return m;
      if (this.#exited) throw new Error(`testpmd exited; output:\n${this.#out}\n${this.#err}`);
      if (Date.now() > deadline) throw new Error(`testpmd: timed out waiting for ${pattern}; output:\n${this.#out}\n${this.#err}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Waits for the first prompt. */
  async ready(): Promise<void> {
    await this.waitFor(/testpmd> /);
  }

  /** Sends a command and waits for the next prompt; returns the output it produced. */
  async command(line: string, timeoutMs = 20000): Promise<string> {
    const from = this.#out.length;
    this.#child.stdin.write(`${line}\n`);
    await this.waitFor(/testpmd> /, from, timeoutMs);
    return this.#out.slice(from);
  }

  /** Quits, waits for the process to end, and removes its EAL runtime directory. */
  async quit(): Promise<void> {
    if (!this.#exited) {
      this.#child.stdin.write('quit\n');
      const deadline = Date.now() + 10000;
      while (!this.#exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      if (!this.#exited) this.#child.kill('SIGKILL');
    }
    rmSync(`/var/run/dpdk/${this.#prefix}`, { recursive: true, force: true });
  }
}
