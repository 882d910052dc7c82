import { sleep } from "./activity";
import type { InvokeResult } from "./lambda/functions";

/**
 * Faults the runtime injects on purpose, each at a rate, to prove that the system keeps its
 * promises when AWS behaves as it may: an invocation that fails, a consumer that crashes after
 * its work, an event delivered twice, late or out of order. Decisions come from a seeded
 * pseudo-random generator, so a run's faults can be told and repeated.
 */
export interface FaultOptions {
  /** Seed of the generator that decides every fault (default 1). */
  seed?: number;
  /** An invocation fails before its handler runs (Lambda's service failing): retried as AWS retries it. */
  transientErrorRate?: number;
  /** The handler runs — its side effects happen — then the invocation fails (the environment died before answering). */
  crashRate?: number;
  /** An EventBridge target gets the event twice (EventBridge delivers at least once). */
  duplicateRate?: number;
  /** A delivery to a target is held back, so that later events overtake it. */
  delayRate?: number;
  /** The longest a delivery is held back (default 2000 ms); each held one waits a random part of it. */
  maxDelayMs?: number;
  /** The shortest a held delivery waits (default 0). */
  minDelayMs?: number;
  /**
   * The EventBridge targets whose deliveries may be duplicated or held back, by ARN or function
   * name; by default every target.
   */
  targets?: readonly string[];
  /**
   * The functions whose invocations may fail or crash, by name; by default every function an
   * EventBridge rule targets (the consumers).
   */
  functions?: readonly string[];
}

export type FaultKind = "transient" | "crash" | "duplicate" | "delay";

export const FAULT_KINDS: readonly FaultKind[] = ["transient", "crash", "duplicate", "delay"];

/** Errors injected into invocations, as Lambda reports them. */
export const INJECTED_ERRORS = {
  transient: {
    errorType: "Lambda.ServiceException",
    errorMessage: "injected fault: the invocation failed before the handler ran",
  },
  crash: {
    errorType: "Runtime.ExitError",
    errorMessage: "injected fault: the handler finished, then the environment exited before answering",
  },
} as const;

/** Mulberry32: a small, fast, seedable generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private options: FaultOptions = {};
  private random: () => number = seededRandom(1);
  private targeted = new Set<string>();
  private readonly counts = new Map<string, number>();

  constructor(
    /** The functions faults apply to when the options name none. */
    private readonly defaultFunctions: readonly string[],
    options: FaultOptions = {},
  ) {
    this.configure(options);
  }

  /** Replaces the faults (all off with `{}`); the generator restarts from the seed. The counts stay. */
  configure(options: FaultOptions) {
    this.options = { ...options };
    this.random = seededRandom(options.seed ?? 1);
    this.targeted = new Set(options.functions ?? this.defaultFunctions);
  }

  get current(): Readonly<FaultOptions> {
    return this.options;
  }

  /** How many faults of each kind were injected, in total and by function or target. */
  injected(): { total: Record<FaultKind, number>; by: Record<string, number> } {
    const total = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
    const by: Record<string, number> = {};
    for (const [key, count] of this.counts) {
      const kind = key.slice(0, key.indexOf(" ")) as FaultKind;
      total[kind] += count;
      by[key] = count;
    }
    return { total, by };
  }

  private roll(rate: number | undefined): boolean {
    return rate !== undefined && rate > 0 && this.random() < rate;
  }

  private count(kind: FaultKind, where: string) {
    const key = `${kind} ${where}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Runs one invocation of a function: may fail it before the handler, or after. */
  async invoke(functionName: string, run: () => Promise<InvokeResult>): Promise<InvokeResult> {
    if (!this.targeted.has(functionName)) return run();
    const failed = (kind: "transient" | "crash", requestId: string, durationMs: number): InvokeResult => {
      this.count(kind, functionName);
      return { ok: false, error: { ...INJECTED_ERRORS[kind], trace: [] }, requestId, durationMs };
    };
    if (this.roll(this.options.transientErrorRate)) return failed("transient", crypto.randomUUID(), 0);
    const crash = this.roll(this.options.crashRate);
    const result = await run();
    return crash && result.ok ? failed("crash", result.requestId, result.durationMs) : result;
  }

  /** Delivers an event to a target: perhaps late, perhaps twice. */
  async deliver(target: string, deliver: () => Promise<void>): Promise<void> {
    const targets = this.options.targets;
    if (targets && !targets.some((name) => target === name || target.endsWith(`:${name}`))) return deliver();
    const twice = this.roll(this.options.duplicateRate);
    const late = (): Promise<void> => {
      if (!this.roll(this.options.delayRate)) return deliver();
      this.count("delay", target);
      const shortest = this.options.minDelayMs ?? 0;
      const longest = Math.max(shortest, this.options.maxDelayMs ?? 2000);
      return sleep(shortest + this.random() * (longest - shortest)).then(deliver);
    };
    if (!twice) return late();
    this.count("duplicate", target);
    await Promise.all([late(), late()]);
  }
}
