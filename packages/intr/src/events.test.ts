import { describe, expect, it } from 'vitest';
import { setLogSink } from '@nic/eal';
import { codeOf } from './__fixtures__/errors.js';
import { ALL_PORTS, DEV_EVENT_MAX, DevEvent, DevEvents } from './events.js';
import { ANY_ARG } from './thread.js';

describe('DevEvents', () => {
  it('numbers the events in DPDK\'s order', () => {
    expect(DevEvent.INTR_LSC).toBe(1);
    expect(DevEvent.INTR_RMV).toBe(6);
    expect(DevEvent.NEW).toBe(7);
    expect(DevEvent.DESTROY).toBe(8);
    expect(DEV_EVENT_MAX).toBe(Object.keys(DevEvent).length);
  });

  it('delivers an event to the port\'s subscribers of that event, in order, with arg and param', () => {
    const ev = new DevEvents(4);
    const calls: unknown[][] = [];
    ev.register(1, DevEvent.INTR_LSC, (port, event, arg, param) => void calls.push(['a', port, event, arg, param]), 'argA');
    ev.register(1, DevEvent.INTR_RMV, () => void calls.push(['rmv']), undefined);
    ev.register(2, DevEvent.INTR_LSC, () => void calls.push(['port2']), undefined);
    ev.register(1, DevEvent.INTR_LSC, (port) => void calls.push(['b', port]), 'argB');
    expect(ev.process(1, DevEvent.INTR_LSC, { up: true })).toBe(0);
    expect(calls).toEqual([['a', 1, DevEvent.INTR_LSC, 'argA', { up: true }], ['b', 1]]);
  });

  it('returns the last callback\'s result', () => {
    const ev = new DevEvents(2);
    ev.register(0, DevEvent.INTR_RESET, () => 7, 1);
    ev.register(0, DevEvent.INTR_RESET, () => -3, 2);
    expect(ev.process(0, DevEvent.INTR_RESET)).toBe(-3);
    expect(ev.process(1, DevEvent.INTR_RESET)).toBe(0);
  });

  it('does not add an identical (callback, argument, event) twice', () => {
    const ev = new DevEvents(2);
    let calls = 0;
    const cb = (): void => void calls++;
    ev.register(0, DevEvent.NEW, cb, 'x');
    ev.register(0, DevEvent.NEW, cb, 'x');
    ev.register(0, DevEvent.NEW, cb, 'y');
    ev.register(0, DevEvent.DESTROY, cb, 'x');
    expect(ev.count(0)).toBe(3);
    ev.process(0, DevEvent.NEW);
    expect(calls).toBe(2);
  });

  it('ALL_PORTS subscribes every port; unregister on one port leaves the others', () => {
    const ev = new DevEvents(3);
    const ports: number[] = [];
    const cb = (port: number): void => void ports.push(port);
    ev.register(ALL_PORTS, DevEvent.INTR_LSC, cb, undefined);
    for (let p = 0; p < 3; p++) ev.process(p, DevEvent.INTR_LSC);
    expect(ports).toEqual([0, 1, 2]);
    expect(ev.unregister(1, DevEvent.INTR_LSC, cb, undefined)).toBe(1);
    expect(ev.unregister(ALL_PORTS, DevEvent.INTR_LSC, cb, ANY_ARG)).toBe(2);
    expect(ev.count(0) + ev.count(1) + ev.count(2)).toBe(0);
  });

  it('unregister matches callback, event and argument (ANY_ARG: any) and returns the count', () => {
    const ev = new DevEvents(1);
    const cb = (): void => undefined;
    ev.register(0, DevEvent.INTR_LSC, cb, 1);
    ev.register(0, DevEvent.INTR_LSC, cb, 2);
    ev.register(0, DevEvent.INTR_RMV, cb, 1);
    expect(ev.unregister(0, DevEvent.INTR_LSC, cb, 3)).toBe(0);
    expect(ev.unregister(0, DevEvent.INTR_LSC, cb, ANY_ARG)).toBe(2);
    expect(ev.count(0, DevEvent.INTR_RMV)).toBe(1);
  });

  it('refuses to unregister a running callback with NIC_EAGAIN, after removing the idle matches', () => {
    const ev = new DevEvents(2);
    const codes: (string | undefined)[] = [];
    const cb = (port: number): void => {
      if (port === 0) codes.push(codeOf(() => ev.unregister(ALL_PORTS, DevEvent.INTR_LSC, cb, ANY_ARG)));
    };
    ev.register(ALL_PORTS, DevEvent.INTR_LSC, cb, undefined);
    ev.process(0, DevEvent.INTR_LSC);
    expect(codes).toEqual(['NIC_EAGAIN']);
    expect(ev.count(0)).toBe(1);
    expect(ev.count(1)).toBe(0);
    expect(ev.unregister(0, DevEvent.INTR_LSC, cb, ANY_ARG)).toBe(1);
  });

  it('logs a throwing callback and keeps going', () => {
    const ev = new DevEvents(1);
    const logged: string[] = [];
    const previous = setLogSink((r) => void logged.push(r.message));
    ev.register(0, DevEvent.INTR_LSC, () => {
      throw new Error('handler broke');
    }, undefined);
    ev.register(0, DevEvent.INTR_LSC, () => 5, undefined);
    expect(ev.process(0, DevEvent.INTR_LSC)).toBe(5);
    setLogSink(previous);
    expect(logged.some((m) => m.includes('handler broke'))).toBe(true);
  });

  it('a callback unregistered by an earlier one in the same dispatch is not called', () => {
    const ev = new DevEvents(1);
    const called: string[] = [];
    const second = (): void => void called.push('second');
    ev.register(0, DevEvent.QUEUE_STATE, () => {
      called.push('first');
      ev.unregister(0, DevEvent.QUEUE_STATE, second, ANY_ARG);
    }, undefined);
    ev.register(0, DevEvent.QUEUE_STATE, second, undefined);
    ev.process(0, DevEvent.QUEUE_STATE);
    expect(called).toEqual(['first']);
  });

  it('rejects ports and events out of range', () => {
    const ev = new DevEvents(2);
    const cb = (): void => undefined;
    expect(codeOf(() => ev.register(2, DevEvent.INTR_LSC, cb, undefined))).toBe('NIC_EINVAL');
    expect(codeOf(() => ev.register(0, DEV_EVENT_MAX as DevEvent, cb, undefined))).toBe('NIC_EINVAL');
    expect(codeOf(() => ev.process(ALL_PORTS, DevEvent.INTR_LSC))).toBe('NIC_EINVAL');
    expect(codeOf(() => ev.register(0, DevEvent.INTR_LSC, null as unknown as typeof cb, undefined))).toBe('TypeError');
    expect(() => new DevEvents(0)).toThrow(TypeError);
  });

  it('clear forgets one port or all', () => {
    const ev = new DevEvents(2);
    ev.register(ALL_PORTS, DevEvent.NEW, () => undefined, undefined);
    ev.clear(0);
    expect([ev.count(0), ev.count(1)]).toEqual([0, 1]);
    ev.clear();
    expect(ev.count(1)).toBe(0);
  });
});
