import { describe, expect, it } from 'vitest';
import { MAX_SOCKET_PATH, parseVdpaArgs, VdpaUsageError } from './options.js';
import { vdpaUsage } from './usage.js';

describe('nic-vdpa options', () => {
  it('reads --iface (both spellings), --client, -i/--interactive, --virtio-vf and --help', () => {
    expect(parseVdpaArgs(['--iface', '/tmp/vdpa-'])).toEqual({ iface: '/tmp/vdpa-', client: false, interactive: false, virtioVf: false, help: false });
    expect(parseVdpaArgs(['--iface=/tmp/v-', '--client', '--virtio-vf'])).toMatchObject({ iface: '/tmp/v-', client: true, virtioVf: true });
    expect(parseVdpaArgs(['-i'])).toMatchObject({ iface: undefined, interactive: true });
    expect(parseVdpaArgs(['--interactive', '--iface', '/tmp/v-'])).toMatchObject({ interactive: true, iface: '/tmp/v-' });
    expect(parseVdpaArgs(['-h'])).toMatchObject({ help: true });
  });

  it('refuses what dpdk-vdpa refuses, naming the option', () => {
    expect(() => parseVdpaArgs([])).toThrow(new VdpaUsageError('--iface', 'is required unless --interactive is given'));
    expect(() => parseVdpaArgs(['--iface'])).toThrow(/^--iface: needs a socket path prefix/);
    expect(() => parseVdpaArgs(['--iface', '--client'])).toThrow(/^--iface: needs a socket path prefix/);
    expect(() => parseVdpaArgs(['--iface='])).toThrow(/^--iface: needs/);
    expect(() => parseVdpaArgs(['--iface', 'x'.repeat(MAX_SOCKET_PATH)])).toThrow(/^--iface: "x+" is too long for a socket path \(at most 103 bytes\)/);
    expect(() => parseVdpaArgs(['-i', '--client=1'])).toThrow(new VdpaUsageError('--client', 'takes no value'));
    expect(() => parseVdpaArgs(['-i', '--stats'])).toThrow(new VdpaUsageError('--stats', 'unknown option (see --help)'));
    expect(() => parseVdpaArgs(['-i', ''])).toThrow(/^"": unknown option/);
  });

  it('documents every option it reads', () => {
    const usage = vdpaUsage('nic-vdpa');
    for (const option of ['--iface', '--client', '--interactive', '--virtio-vf', '--help', 'create <socket> <bdf>', 'stats <bdf> <qid>', 'list', 'quit']) expect(usage).toContain(option);
  });
});
