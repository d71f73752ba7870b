/**
 * A booted guest: commands through its agent, frames through its NICs, its QMP monitor,
 * its console, and its shutdown. Made by `bootGuest`.
 */
import { NicError } from '@nic/native';
import type { AgentClient, GuestProcess, RunOptions, RunResult, RunToEndOptions } from './agent-client.js';
import type { Lines } from './lines.js';
import type { GuestNic } from './nic.js';
import { nicIds } from './qemu-args.js';
import type { QemuProcess } from './qemu-process.js';
import type { EventQuery, QmpClient, QmpEvent } from './qmp.js';
import type { Teardown } from './teardown.js';

/** How long {@link Guest.deviceDel} waits for `DEVICE_DELETED` unless told. */
const DEFAULT_UNPLUG_MS = 30_000;
/** How long {@link Guest.shutdown} lets QEMU quit before killing it. */
const QUIT_MS = 10_000;
/** Console lines that {@link Guest.consoleTail} returns unless told. */
export const CONSOLE_TAIL_LINES = 40;

/** The parts a guest is made of. */
export interface GuestParts {
  readonly qemu: QemuProcess;
  readonly qmp: QmpClient;
  readonly agent: AgentClient;
  readonly console: Lines;
  readonly nics: readonly GuestNic[];
  readonly teardown: Teardown;
  readonly kernelRelease: string;
  readonly bootMs: number;
}

/** A running guest. */
export class Guest {
  /** The igb functions, in the order of the QEMU command line. */
  readonly nics: readonly GuestNic[];
  /** `uname -r` of the guest (empty for a standalone guest and a migration's destination). */
  readonly kernelRelease: string;
  /** Milliseconds from starting QEMU to the agent's ready message. */
  readonly bootMs: number;

  constructor(private readonly parts: GuestParts) {
    this.nics = parts.nics;
    this.kernelRelease = parts.kernelRelease;
    this.bootMs = parts.bootMs;
  }

  /** QEMU's process id. */
  get pid(): number | undefined {
    return this.parts.qemu.pid;
  }

  /** Whether QEMU is still running. */
  get isRunning(): boolean {
    return this.parts.qemu.isRunning;
  }

  /**
   * Runs `command` (a `sh -c` script) in the guest, in the checkout unless `cwd` says
   * otherwise, as root, to its end. A non-zero exit status is a result, not an error.
   * @throws NicError NIC_EIO on timeout (default 60 s; the command is killed) or when the guest goes away
   */
  run(command: string, options?: RunToEndOptions): Promise<RunResult> {
    return this.parts.agent.run(command, options);
  }

  /**
   * Loads kernel module `driver` in the guest and binds the PCI functions `addresses` to it
   * (`driver_override`, then `drivers_probe`), taking each from its current driver first.
   * @throws NicError NIC_EIO when a function ends up bound to something else (with the guest's output)
   */
  async bindDriver(addresses: readonly string[], driver: string): Promise<void> {
    const script = addresses.map((a) => {
      const dev = `/sys/bus/pci/devices/${a}`;
      return `if [ -e ${dev}/driver ]; then echo ${a} > ${dev}/driver/unbind; fi; echo ${driver} > ${dev}/driver_override && echo ${a} > /sys/bus/pci/drivers_probe && [ "$(basename "$(readlink ${dev}/driver)")" = ${driver} ] || { echo "${a} is not on ${driver}"; exit 1; }`;
    });
    const result = await this.run([`modprobe ${driver.replace(/-/g, '_')}`, ...script].join(' && '));
    if (result.code !== 0) throw new NicError('NIC_EIO', `binding ${addresses.join(', ')} to ${driver} in the guest failed: ${result.stdout}${result.stderr}`);
  }

  /** Starts `command` in the guest and returns at once; see {@link GuestProcess}. */
  spawn(command: string, options?: RunOptions): GuestProcess {
    return this.parts.agent.spawn(command, options);
  }

  /**
   * Runs QMP command `command` with `args` and returns what it returned.
   * @throws NicError NIC_EIO when QEMU answers with an error
   */
  qmp<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    return this.parts.qmp.execute<T>(command, args);
  }

  /** Every QMP event so far, oldest first. */
  get qmpEvents(): readonly QmpEvent[] {
    return this.parts.qmp.events;
  }

  /**
   * The first QMP event named `name` satisfying `query`, received already or later.
   * @throws NicError NIC_EIO when `timeoutMs` passes first
   */
  waitForEvent(name: string, timeoutMs: number, query?: EventQuery): Promise<QmpEvent> {
    return this.parts.qmp.waitForEvent(name, timeoutMs, query);
  }

  /**
   * Sets the link of NIC `index` up or down (QMP `set_link` on its device), as pulling or
   * plugging its cable: the guest NIC reports the change.
   * @throws NicError NIC_EINVAL for an unknown index; NIC_EIO when QEMU refuses
   */
  async setLink(index: number, up: boolean): Promise<unknown> {
    return this.qmp('set_link', { name: this.nicDevice(index), up });
  }

  /**
   * Hot-unplugs NIC `index` (QMP `device_del`) and waits until the guest has released it and
   * QEMU says `DEVICE_DELETED`; its host socket stays open.
   * @throws NicError NIC_EINVAL for an unknown index; NIC_EIO when QEMU refuses or `timeoutMs` (default 30 s) passes
   */
  async deviceDel(index: number, timeoutMs = DEFAULT_UNPLUG_MS): Promise<QmpEvent> {
    const device = this.nicDevice(index);
    const since = this.parts.qmp.events.length;
    await this.qmp('device_del', { id: device });
    return this.waitForEvent('DEVICE_DELETED', timeoutMs, { since, match: (e) => e.data?.device === device });
  }

  /** The last `count` lines of the serial console (kernel messages, the init's lines). */
  consoleTail(count = CONSOLE_TAIL_LINES): string[] {
    return this.parts.console.tail(count);
  }

  /**
   * Stops the guest (QMP `quit`, then SIGKILL if QEMU lingers) and removes everything the
   * boot made: sockets, the run directory. Safe to call again.
   */
  async shutdown(): Promise<void> {
    if (this.parts.qemu.isRunning) {
      await this.parts.qmp.execute('quit').catch(() => undefined);
      const timer = setTimeout(() => void this.parts.qemu.kill(), QUIT_MS);
      await this.parts.qemu.exited;
      clearTimeout(timer);
    }
    await this.parts.teardown.run();
  }

  private nicDevice(index: number): string {
    if (!Number.isInteger(index) || this.nics[index] === undefined) {
      throw new NicError('NIC_EINVAL', `no nic ${index}: the guest has nics 0 to ${this.nics.length - 1}`);
    }
    return nicIds(index).device;
  }
}
