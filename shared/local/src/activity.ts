/**
 * Counts work in flight across the runtime (deliveries, retries waiting, invocations, executions)
 * so that callers can wait until the system has settled.
 */
export class Activity {
  private inFlight = 0;
  private waiters: Array<() => void> = [];

  /** Marks one unit of work as started; call the returned function exactly once when it ends. */
  begin(): () => void {
    this.inFlight += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight -= 1;
      if (this.inFlight === 0) setImmediate(() => this.notify());
    };
  }

  /** Runs `work` as one unit of activity. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    const end = this.begin();
    try {
      return await work();
    } finally {
      end();
    }
  }

  get count() {
    return this.inFlight;
  }

  private notify() {
    if (this.inFlight !== 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when nothing is in flight; rejects after `timeoutMs`. */
  idle(timeoutMs = 30_000): Promise<void> {
    if (this.inFlight === 0)
      return new Promise((resolve) => setImmediate(resolve)).then(() =>
        this.inFlight === 0 ? undefined : this.idle(timeoutMs),
      );
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`still ${this.inFlight} unit(s) of work in flight after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());
