/** A system clock for tests: each call returns the set time and steps one second, so order is strict. */
export function steppingClock(start: string): { now: () => string; set: (t: string) => void } {
  let t = new Date(start).getTime();
  return {
    now: () => {
      const out = new Date(t).toISOString();
      t += 1000;
      return out;
    },
    set: (time) => {
      t = new Date(time).getTime();
    },
  };
}
