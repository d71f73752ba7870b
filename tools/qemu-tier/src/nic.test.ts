import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Socket } from 'node:dgram';
import { testFrame } from '@nic/native/testing';
import { bindLoopbackSocket, GuestNic } from './nic.js';
import { LOOPBACK } from './qemu-args.js';

/** A NIC whose host end is a real loopback socket, and a socket standing in for QEMU's end. */
async function nicAndPeer(maxQueued: number): Promise<{ nic: GuestNic; peer: Socket }> {
  const peer = await bindLoopbackSocket();
  const nic = new GuestNic(0, '0000:01:00.0', '52:54:00:4e:43:00', await bindLoopbackSocket(), peer.address().port, maxQueued);
  return { nic, peer };
}

/** QEMU's side sending `frames` to the NIC's host end, one datagram each. */
async function transmit(peer: Socket, nic: GuestNic, frames: Uint8Array[]): Promise<void> {
  for (const frame of frames) await new Promise<void>((resolve, reject) => peer.send(frame, nic.hostPort, LOOPBACK, (e) => (e ? reject(e) : resolve())));
}

describe('GuestNic (host end)', () => {
  const open: { nic: GuestNic; peer: Socket }[] = [];
  afterEach(() => {
    for (const { nic, peer } of open.splice(0)) {
      nic.close();
      peer.close();
    }
  });

  it('keeps at most maxQueued frames, drops and counts the rest, and takes frames again once read', async () => {
    const pair = await nicAndPeer(4);
    open.push(pair);
    const { nic, peer } = pair;
    const frames = Array.from({ length: 10 }, (_, i) => testFrame(i));
    await transmit(peer, nic, frames);
    await vi.waitFor(() => expect(nic.queued + nic.dropped).toBe(10));
    expect([nic.queued, nic.dropped]).toEqual([4, 6]);
    expect(await nic.receive(4)).toEqual(frames.slice(0, 4));
    await expect(nic.receive(1, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'NIC_EIO', message: expect.stringMatching(/0 of 1 frames .* \(6 dropped at a full queue so far\)/) });
    await transmit(peer, nic, [frames[9]]);
    expect(await nic.receive(1)).toEqual([frames[9]]);
    expect(nic.dropped).toBe(6);
  });
});
