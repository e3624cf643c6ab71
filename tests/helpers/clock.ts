/**
 * A fake `Clock` (lib/cleanup/hookTypes.ts) for the waits and workflows under test: `sleep` only moves
 * time forward and returns at once, so a test of a 10-minute timeout takes no time and leaves no
 * timer behind. Hand-written rather than `@sinonjs/fake-timers`: the code under test takes its
 * clock as a port and never calls `setTimeout` or `Date.now()` itself, so there are no globals to
 * replace, and the tests want the list of sleeps, which fake-timers does not keep.
 */
import type { Clock } from "../../lib/cleanup/hookTypes";

export interface FakeClock extends Clock {
  /** Every `sleep` so far, in milliseconds, in order. */
  readonly slept: readonly number[];
  /** Moves time forward without a sleep (e.g. a step of a fake port that "took" a while). */
  advance(ms: number): void;
}

/** A clock that starts at `startMs` (milliseconds since the epoch; defaults to 0). */
export function fakeClock(startMs = 0): FakeClock {
  let now = startMs;
  const slept: number[] = [];
  const advance = (ms: number): void => {
    if (!(ms >= 0)) throw new Error(`fakeClock: cannot move time by ${ms} ms`);
    now += ms;
  };
  return {
    slept,
    now: () => now,
    advance,
    sleep: async (ms: number) => {
      slept.push(ms);
      advance(ms);
    },
  };
}
