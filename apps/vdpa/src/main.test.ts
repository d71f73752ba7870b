/**
 * nic-vdpa end to end: the built CLI with modelled IFC VFs in its process (the preload of
 * `__fixtures__/ifcvf-vfs.mjs`), DPDK's testpmd with net_virtio_user as the frontend of the
 * sockets it serves, and each function's cable to a UDP socket of the test.
 */
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { lcoreArgs, UDP_WIRE_HOST } from '@nic/test-kit/models';
import { Testpmd, TESTPMD_MISSING } from '@nic/vhost/testing';
import { BUILT, CLI, VdpaChild } from './__fixtures__/child.js';

const BDF = '0000:06:00.3';
const BDF2 = '0000:06:00.4';
let serial = 0;
const children: VdpaChild[] = [];
const peers: Testpmd[] = [];
const sockets: Socket[] = [];
/** Socket files a frontend made (testpmd in server mode leaves its own). */
const files: string[] = [];

if (!BUILT) console.warn(`[vdpa] CLI tests skipped: ${CLI} is missing (npm run build)`);

afterEach(async () => {
  for (const t of peers.splice(0)) await t.quit();
  for (const c of children.splice(0)) await c.close();
  for (const s of sockets.splice(0)) s.close();
  for (const f of files.splice(0)) rmSync(f, { force: true });
});

function ealArgs(...devices: string[]): string[] {
  return [...lcoreArgs(1), '--no-huge', '-m', '16', '--file-prefix', `nic-vdpa-app-${process.pid}-${serial++}`, ...devices.flatMap((d) => ['-a', `${d},vdpa=1`])];
}

function vdpa(args: string[], env: Record<string, string> = {}): VdpaChild {
  const c = new VdpaChild(args, env);
  children.push(c);
  return c;
}

function testpmd(path: string, devargs = ''): Testpmd {
  const t = new Testpmd(path, `nic-vdpa-app-tp-${process.pid}-${serial++}`, `,packed_vq=0${devargs}`);
  peers.push(t);
  return t;
}

/** The test's end of the functions' cables. */
async function cable(): Promise<{ socket: Socket; got: Buffer[] }> {
  const socket = createSocket('udp4');
  sockets.push(socket);
  const got: Buffer[] = [];
  socket.on('message', (m) => got.push(m));
  await new Promise<void>((resolve) => socket.bind(0, UDP_WIRE_HOST, resolve));
  return { socket, got };
}

function stat(text: string, name: string): number {
  const m = [...text.matchAll(new RegExp(`${name}:\\s+(\\d+)`, 'g'))];
  if (m.length === 0) throw new Error(`no ${name} in:\n${text}`);
  return Number(m[m.length - 1][1]);
}

function counter(text: string, vring: number, name: string): number {
  const block = text.split(/^ {2}vring /m).find((b) => b.startsWith(`${vring}:`)) ?? '';
  const m = block.match(new RegExp(`^ +${name} +(\\d+)$`, 'm'));
  if (!m) throw new Error(`no ${name} of vring ${vring} in:\n${text}`);
  return Number(m[1]);
}

describe.skipIf(!BUILT)('nic-vdpa without devices', () => {
  it('prints its usage with --help, and refuses bad options and a run with nothing to serve, exit status 1', async () => {
    const help = vdpa(['--', '--help']);
    expect(await help.exited()).toBe(0);
    expect(help.output).toMatch(/^Usage: nic-vdpa \[EAL options\] -- \[--iface <prefix>\]/m);
    // EAL's --help alone: EAL's options, then the application's, though --iface is missing.
    const ealHelp = vdpa(['--help']);
    expect(await ealHelp.exited()).toBe(0);
    expect(ealHelp.output).toMatch(/--file-prefix[\s\S]*^Usage: nic-vdpa \[EAL options\] -- \[--iface <prefix>\]/m);
    const bad = vdpa(['--', '--iface', '/tmp/x-', '--frob']);
    expect(await bad.exited()).toBe(1);
    expect(bad.errors).toBe('nic-vdpa: --frob: unknown option (see --help)\n');
    const none = vdpa([...ealArgs(), '--', '--iface', `/tmp/nic-vdpa-none-${process.pid}-`]);
    expect(await none.exited()).toBe(1);
    expect(none.errors).toMatch(/^nic-vdpa: -a: no vDPA device was probed: name each with the EAL option -a <bdf>,vdpa=1$/m);
    const eal = vdpa(['--lcores', '0-', '--', '-i']);
    expect(await eal.exited()).toBe(1);
    expect(eal.errors).toMatch(/^nic-vdpa: EAL: .*--lcores.*\[NIC_EINVAL\]$/m);
  });
});

describe.skipIf(!BUILT || TESTPMD_MISSING)('nic-vdpa with modelled IFC VFs, testpmd net_virtio_user as the frontend', () => {
  it('serves every probed device on <iface>n; frames from the cable reach testpmd by DMA, counted exactly; SIGINT stops it cleanly', async () => {
    const wire = await cable();
    const iface = `/tmp/nic-vdpa-app-${process.pid}-${serial++}-`;
    const app = vdpa([...ealArgs(BDF, BDF2), '--', '--iface', iface], { NIC_IFCVF_ADDRESSES: `${BDF},${BDF2}`, NIC_IFCVF_UDP_PEER: String(wire.socket.address().port) });
    const vfs = await app.vfs();
    await app.waitFor(/enter 'q' to quit/);
    expect(app.output).toContain(`serving ${BDF} on ${iface}0\n`);
    expect(app.output).toContain(`serving ${BDF2} on ${iface}1\n`);
    const t = testpmd(`${iface}1`);
    await t.ready();
    await app.waitFor(new RegExp(`vDPA ${BDF2}: vhost device \\d+ on ${iface}1 configured`));
    await t.command('set fwd rxonly');
    await t.command('start');
    const frame = Buffer.from(Array.from({ length: 64 }, (_, i) => (i < 6 ? 0xff : i)));
    const to = vfs[1].udp as number;
    for (let i = 0; i < 100; i++) await new Promise<void>((resolve, reject) => wire.socket.send(frame, to, UDP_WIRE_HOST, (e) => (e ? reject(e) : resolve())));
    for (let i = 0; i < 200 && stat(await t.command('show port stats 0'), 'RX-packets') < 100; i++) await new Promise((r) => setTimeout(r, 10));
    expect(stat(await t.command('stop'), 'RX-packets')).toBe(100);
    app.kill('SIGINT');
    expect(await app.exited()).toBe(0);
    expect(app.output).toMatch(/SIGINT: stopping 2 vDPA device\(s\)/);
    expect(app.output).toMatch(new RegExp(`vDPA ${BDF2}: vhost device \\d+ on ${iface}1 closed`));
    expect(existsSync(`${iface}0`) || existsSync(`${iface}1`)).toBe(false);
    expect(app.errors).toBe('');
  }, 90000);

  it('interactive: list, create, stats counting testpmd’s txonly frames exactly, errors that change nothing, quit', async () => {
    const wire = await cable();
    const app = vdpa([...ealArgs(BDF), '--', '-i'], { NIC_IFCVF_UDP_PEER: String(wire.socket.address().port) });
    await app.waitFor(/vdpa> $/);
    const list = await app.command('list');
    expect(list).toMatch(new RegExp(`^${BDF.replace(/\./g, '\\.')} +net +1 +0x[0-9a-f]+ +0x[0-9a-f]+ +-$`, 'm'));
    const path = `/tmp/nic-vdpa-app-i-${process.pid}-${serial++}.sock`;
    expect(await app.command(`create ${path} ${BDF}`)).toBe(`serving ${BDF} on ${path}\n`);
    expect(await app.command(`create ${path}x ${BDF}`)).toBe(`error: vDPA device ${BDF} is already served on ${path} [NIC_EBUSY]\n`);
    expect(await app.command(`create ${path} 0000:06:00.7`)).toMatch(/^error: no vDPA device 0000:06:00\.7 .*\[NIC_ENODEV\]\n$/);
    expect(await app.command(`stats ${BDF} 2`)).toMatch(/^error: .*queue 2 is not 0 to 1 \[NIC_EINVAL\]\n$/);
    expect(await app.command('stats')).toMatch(/^error: usage: stats <bdf> <qid>/);
    expect(await app.command('frob')).toBe('error: unknown command "frob" (help lists them)\n');
    expect((await app.command('list')).split('\n')[1]).toMatch(new RegExp(`${path}$`));
    const t = testpmd(path);
    await t.ready();
    await app.waitFor(/configured; the device runs its rings/);
    await t.command('set fwd txonly');
    await t.command('set txpkts 64');
    await t.command('start');
    const deadline = Date.now() + 30000;
    while (wire.got.length < 1000) {
      if (Date.now() > deadline) throw new Error(`only ${wire.got.length} frames on the cable; nic-vdpa:\n${app.output}${app.errors}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const sent = stat(await t.command('stop'), 'TX-packets');
    let stats = '';
    for (let i = 0; i < 500; i++) {
      stats = await app.command(`stats ${BDF} 0xffff`);
      if (counter(stats, 1, 'completed_descriptors') >= sent) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(counter(stats, 1, 'completed_descriptors')).toBe(sent);
    expect(counter(stats, 1, 'received_descriptors')).toBe(sent);
    expect(counter(stats, 0, 'completed_descriptors')).toBe(0);
    expect(wire.got.every((f) => f.length === 64)).toBe(true);
    app.write('quit\n');
    expect(await app.exited()).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(app.errors).toBe('');
  }, 90000);

  it('--client: connects to a frontend that listens (testpmd virtio_user server=1) and serves it', async () => {
    const wire = await cable();
    const iface = `/tmp/nic-vdpa-app-c-${process.pid}-${serial++}-`;
    // testpmd listens first and waits for its backend before its prompt.
    files.push(`${iface}0`);
    const t = testpmd(`${iface}0`, ',server=1');
    for (let i = 0; i < 2000 && !existsSync(`${iface}0`); i++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(`${iface}0`)).toBe(true);
    const app = vdpa([...ealArgs(BDF), '--', '--iface', iface, '--client'], { NIC_IFCVF_UDP_PEER: String(wire.socket.address().port) });
    const [vf] = await app.vfs();
    await t.ready();
    await app.waitFor(new RegExp(`vDPA ${BDF.replace(/\./g, '\\.')}: vhost device \\d+ on ${iface}0 configured`));
    await t.command('set fwd rxonly');
    await t.command('start');
    const frame = Buffer.alloc(64, 0xff);
    for (let i = 0; i < 10; i++) await new Promise<void>((resolve, reject) => wire.socket.send(frame, vf.udp as number, UDP_WIRE_HOST, (e) => (e ? reject(e) : resolve())));
    for (let i = 0; i < 200 && stat(await t.command('show port stats 0'), 'RX-packets') < 10; i++) await new Promise((r) => setTimeout(r, 10));
    expect(stat(await t.command('stop'), 'RX-packets')).toBe(10);
    app.write('q\n');
    expect(await app.exited()).toBe(0);
    expect(app.errors).toBe('');
  }, 90000);
});
