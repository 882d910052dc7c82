import {
  FAULT_KINDS,
  type FaultKind,
  type FaultOptions,
  type LocalRuntime,
  seededRandom,
  startLocal,
} from "@keel/local";
import { placeOrder } from "./client";
import { checkInvariants, type InvariantResult, terminalFacts } from "./invariants";
import type { AcceptedOrder, Snapshot, StockRow } from "./model";
import { DEFAULT_MIX, type OrderMix, planOrders } from "./plan";
import { redriveUntilEmpty } from "./redrive";
import { SystemReader } from "./snapshot";

export interface ChaosOptions {
  orders: number;
  /** Orders offered per second, at a steady pace. */
  ratePerSecond: number;
  /** Seeds both the orders' plan and the runtime's fault decisions. */
  seed: number;
  faults: Omit<FaultOptions, "seed">;
  mix: OrderMix;
  /** The runtime's AWS-side delays (workflow waits, retry backoff), scaled. */
  timeScale: number;
  /**
   * How long the simulated provider keeps `CUST-SLOW` waiting (the stage's `simulatedProviderSlowMs`);
   * by default 1.5 × the workflow's wait for a payment (30 s, scaled), as the stage has it.
   */
  slowProviderMs?: number;
  /** Orders the client may have waiting for an answer at once. */
  maxConcurrentRequests?: number;
  tenantId?: string;
  onProgress?: (line: string) => void;
  /** Runs against the live runtime and the snapshot, before the runtime stops (tests). */
  inspect?: (context: { runtime: LocalRuntime; reader: SystemReader; snapshot: Snapshot }) => Promise<void>;
}

export const DEFAULT_OPTIONS: ChaosOptions = {
  orders: 300,
  ratePerSecond: 10,
  seed: 1,
  faults: { transientErrorRate: 0.05, crashRate: 0.05, duplicateRate: 0.05, delayRate: 0.05, maxDelayMs: 2000 },
  mix: DEFAULT_MIX,
  timeScale: 0.1,
};

export interface ChaosReport {
  options: Omit<ChaosOptions, "onProgress" | "inspect">;
  offered: number;
  accepted: number;
  refused: string[];
  httpRetries: number;
  /** Final status in the orders table, by flow. */
  outcomes: Record<string, Record<string, number>>;
  /** Rejected orders by flow, then by the path the plan meant them to take, then by the reason recorded. */
  rejections: Record<string, Record<string, Record<string, number>>>;
  faults: Record<FaultKind, number>;
  faultsBy: Record<string, number>;
  retries: { lambda: number; eventBridge: number };
  deadLetters: { dlqd: number; redriven: number; remaining: number; rounds: number; failedRedeliveries: number };
  dropped: number;
  /** Terminal events archived more than once (the same envelope re-published: at-least-once). */
  republishedTerminalEvents: number;
  invocations: number;
  durations: { offerMs: number; settleMs: number; redriveMs: number; totalMs: number };
  ordersPerSecond: number;
  invariants: InvariantResult[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until nothing is in flight, reporting progress while it waits. */
async function settle(runtime: LocalRuntime, progress: () => void, timeoutMs = 3_600_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await runtime.idle(5000);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      progress();
    }
  }
}

/**
 * Places orders through both flows while the runtime injects faults, waits for the system to
 * settle, redrives every dead letter, then checks the invariants against the tables and the bus
 * archive.
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.onProgress ?? (() => undefined);
  const tenantId = options.tenantId ?? "tenant-chaos";
  const started = Date.now();
  const terminal = new Set<string>();
  const dropped: string[] = [];
  const retries = { lambda: 0, eventBridge: 0 };
  const runtime = await startLocal({
    inMemory: true,
    ports: { http: 0, aws: 0, dynamodb: 0 },
    timeScale: options.timeScale,
    functionLogs: "silent",
    environment: {
      payments: {
        SIMULATED_PROVIDER_SLOW_MS: String(options.slowProviderMs ?? Math.round(45_000 * options.timeScale)),
      },
    },
    onProgress: log,
    onRecord: (record) => {
      if (record.type === "lambda.retrying") retries.lambda += 1;
      else if (record.type === "event.retrying") retries.eventBridge += 1;
      else if (record.type === "event.dropped")
        dropped.push(`event ${record.eventId} (rule ${record.rule}) to ${record.target}: ${record.error?.message}`);
      else if (record.type === "lambda.dropped")
        dropped.push(`invocation ${record.requestId} of ${record.functionName}: ${record.error?.errorMessage}`);
    },
    onEvent: (bus, event) => {
      if (!bus.endsWith("-events")) return;
      if (event["detail-type"] !== "OrderCreated" && event["detail-type"] !== "OrderRejected") return;
      const orderId = (event.detail as { data?: { orderId?: string } }).data?.orderId;
      if (orderId) terminal.add(orderId);
    },
  });
  const reader = new SystemReader(runtime);
  try {
    const token = await runtime.token({ tenant: tenantId, user: "chaos-client" });
    const stockBefore = await reader.scan<StockRow>("stock");
    const planned = planOrders(
      options.orders,
      options.mix,
      seededRandom(options.seed),
      `${options.seed}-${Date.now()}`,
    );
    runtime.faults.configure({ ...options.faults, seed: options.seed });

    const accepted: AcceptedOrder[] = [];
    const refused: string[] = [];
    let httpRetries = 0;
    let sent = 0;
    let answered = 0;
    const faultLine = () => {
      const { total } = runtime.faults.injected();
      return FAULT_KINDS.map((kind) => `${kind} ${total[kind]}`).join(", ");
    };
    const progress = () =>
      log(
        `offered ${sent}/${options.orders} · accepted ${accepted.length} · terminal ${terminal.size} · in flight ${
          accepted.length - terminal.size
        } · faults: ${faultLine()}`,
      );
    const ticker = setInterval(progress, 2000);
    ticker.unref();

    const offerStart = Date.now();
    const pending = new Set<Promise<void>>();
    const maxConcurrent = options.maxConcurrentRequests ?? 64;
    for (const order of planned) {
      const due = offerStart + (order.index * 1000) / options.ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      while (pending.size >= maxConcurrent) await Promise.race(pending);
      sent += 1;
      const placing = placeOrder(runtime.endpoints.http, token, tenantId, order).then((result) => {
        answered += 1;
        httpRetries += result.attempts - 1;
        if (result.accepted) accepted.push(result.accepted);
        else refused.push(`order ${order.index}: ${result.refusal}`);
      });
      pending.add(placing);
      void placing.finally(() => pending.delete(placing));
    }
    await Promise.all(pending);
    const offerMs = Date.now() - offerStart;

    const settleStart = Date.now();
    await settle(runtime, progress);
    const settleMs = Date.now() - settleStart;
    clearInterval(ticker);
    progress();

    // The incident is over: an operator redrives what reached the dead-letter queue.
    const injected = runtime.faults.injected();
    runtime.faults.configure({});
    const redriveStart = Date.now();
    const redriven = await redriveUntilEmpty(runtime, { onRound: log });
    await settle(runtime, progress);
    const redriveMs = Date.now() - redriveStart;

    const snapshot = await reader.snapshot(accepted, stockBefore, { ...redriven, dropped });
    const invariants = checkInvariants(snapshot);
    await options.inspect?.({ runtime, reader, snapshot });

    const outcomes: Record<string, Record<string, number>> = {};
    const rejections: Record<string, Record<string, Record<string, number>>> = {};
    const kindOf = new Map(accepted.map((order) => [order.orderId, order.kind ?? "unplanned"]));
    const tenantRows = snapshot.orders.filter((row) => row.tenantId === tenantId);
    for (const row of tenantRows) {
      const flow = row.flow ?? "unknown";
      outcomes[flow] ??= {};
      const byStatus = outcomes[flow] as Record<string, number>;
      byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
      if (row.reason) {
        const kind = kindOf.get(row.orderId) ?? "unplanned";
        rejections[flow] ??= {};
        const byKind = rejections[flow] as Record<string, Record<string, number>>;
        byKind[kind] ??= {};
        const byReason = byKind[kind] as Record<string, number>;
        byReason[row.reason] = (byReason[row.reason] ?? 0) + 1;
      }
    }
    const terminalCopies = snapshot.messages.filter(
      (message) => message.bus === "events" && (message.name === "OrderCreated" || message.name === "OrderRejected"),
    ).length;
    const distinctTerminal = [...terminalFacts(snapshot).values()].reduce((sum, ids) => sum + ids.size, 0);
    const { onProgress: _progress, inspect: _inspect, ...reported } = options;
    return {
      options: reported,
      offered: answered,
      accepted: accepted.length,
      refused,
      httpRetries,
      outcomes,
      rejections,
      faults: injected.total,
      faultsBy: injected.by,
      retries,
      deadLetters: {
        dlqd: redriven.seen.length,
        redriven: redriven.redriven.length,
        remaining: redriven.remaining,
        rounds: redriven.rounds,
        failedRedeliveries: redriven.failedAttempts,
      },
      dropped: dropped.length,
      republishedTerminalEvents: terminalCopies - distinctTerminal,
      invocations: Object.values(runtime.functions.invocationCounts()).reduce((sum, count) => sum + count, 0),
      durations: { offerMs, settleMs, redriveMs, totalMs: Date.now() - started },
      ordersPerSecond: accepted.length / ((offerMs + settleMs) / 1000),
      invariants,
    };
  } finally {
    reader.close();
    await runtime.stop();
  }
}
