/**
 * Calls that overlap share one answer: while a call for `key` is running, another for the same key gets its
 * promise instead of starting again (a check asks the same question of the working tree once per scenario, all
 * at once). Nothing is kept once it settles, so a later call sees the world as it is then.
 */
export function sharedWhileRunning<T>(running: Map<string, Promise<T>>, key: string, start: () => Promise<T>): Promise<T> {
  let p = running.get(key);
  if (!p) {
    p = start();
    running.set(key, p);
    const done = () => {
      if (running.get(key) === p) running.delete(key);
    };
    p.then(done, done);
  }
  return p;
}

/** Answers about immutable things (a commit's tree), kept for the process's life, at most `max` of them. */
export function keptAnswer<T>(kept: Map<string, Promise<T>>, key: string, max: number, start: () => Promise<T>): Promise<T> {
  let p = kept.get(key);
  if (!p) {
    p = start();
    if (kept.size >= max) kept.delete(kept.keys().next().value as string);
    kept.set(key, p);
    // A failure is not kept: the next call tries again.
    p.catch(() => {
      if (kept.get(key) === p) kept.delete(key);
    });
  }
  return p;
}
