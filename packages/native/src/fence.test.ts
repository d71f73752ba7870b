import { describe, expect, it } from 'vitest';
import { mb, rmb, wmb } from './index.js';

describe('fences', () => {
  it('are plain native calls that return nothing', () => {
    expect(mb()).toBeUndefined();
    expect(rmb()).toBeUndefined();
    expect(wmb()).toBeUndefined();
  });

});
