import { randomUUID } from "node:crypto";
import type { LocalRuntime } from "@keel/local";
import { percentile } from "./stats";

export type Flow = "orchestration" | "choreography";

/** The terminal facts both flows end in. */
const TERMINAL = new Set(["OrderCreated", "OrderRejected"]);

export interface OrderLoadResult {
  offered: number;
  accepted: number;
  refused: number;
  terminal: number;
  /** Accepted orders with no terminal event when the wait ended. */
  lost: number;
  /** Seconds from the first request to the last terminal event. */
  seconds: number;
  /** Terminal orders per second over `seconds`. */
  throughput: number;
  /** Milliseconds from sending the request to the order's terminal event. */
  p50: number;
  p99: number;
  max: number;
  /** CPU seconds this process (every thread: runtime, functions, the client) used per order. */
  cpuMsPerOrder: number;
}

/**
 * Places orders on a running local runtime and times each from its request to its terminal
 * event, as a client of the HTTP API would see it. The runtime must have been started with
 * `onEvent: tap.onEvent` of the same OrderClock.
 */
export class OrderClock {
  private readonly finished = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();

  readonly onEvent = (_bus: string, event: { "detail-type"?: string; detail?: unknown }) => {
    if (!TERMINAL.has(event["detail-type"] ?? "")) return;
    const orderId = (event.detail as { data?: { orderId?: string } } | undefined)?.data?.orderId;
    if (!orderId || this.finished.has(orderId)) return;
    this.finished.set(orderId, performance.now());
    this.waiters.get(orderId)?.();
    this.waiters.delete(orderId);
  };

  finishedAt(orderId: string) {
    return this.finished.get(orderId);
  }

  /** Resolves when the order's terminal event has been seen (or after timeoutMs). */
  wait(orderId: string, timeoutMs: number): Promise<boolean> {
    if (this.finished.has(orderId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(orderId);
        resolve(false);
      }, timeoutMs);
      this.waiters.set(orderId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

export function orderBody(flow: Flow, index: number): Record<string, unknown> {
  return {
    ...(flow === "orchestration" ? { orderId: `ORD-BENCH-${randomUUID()}` } : {}),
    customerId: `CUST-${9000 + (index % 100)}`,
    currency: "AUD",
    items: [{ sku: "SKU-123", qty: 1, unitPrice: 10 }],
    paymentMethodToken: "tok_bench",
    contact: { email: "bench@example.com" },
  };
}

export async function placeOrder(
  runtime: LocalRuntime,
  token: string,
  flow: Flow,
  index: number,
): Promise<{ status: number; orderId?: string }> {
  const response = await fetch(`${runtime.endpoints.http}${flow === "orchestration" ? "/orders" : "/saga/orders"}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(orderBody(flow, index)),
  });
  const answer = (await response.json()) as { orderId?: string };
  return { status: response.status, ...(answer.orderId ? { orderId: answer.orderId } : {}) };
}

/**
 * Offers `orders` orders at `rate` per second (an open loop: a slow system does not slow the
 * offer down), then waits up to `drainMs` for every accepted order's terminal event.
 */
export async function offerOrders(
  runtime: LocalRuntime,
  clock: OrderClock,
  options: {
    token: string;
    flow: Flow;
    orders: number;
    rate: number;
    drainMs: number;
    progress: (line: string) => void;
  },
): Promise<OrderLoadResult> {
  const sent = new Map<string, number>();
  let refused = 0;
  let answered = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const requests: Promise<void>[] = [];
  const report = () => {
    const terminal = [...sent.keys()].filter((id) => clock.finishedAt(id) !== undefined).length;
    const elapsed = (performance.now() - started) / 1000;
    options.progress(
      `${options.flow}: offered ${requests.length}/${options.orders} at ${options.rate}/s, ` +
        `accepted ${sent.size}, terminal ${terminal}, in flight ${requests.length - refused - terminal}, ` +
        `${(terminal / Math.max(elapsed, 0.001)).toFixed(1)} orders/s, ${elapsed.toFixed(0)} s`,
    );
  };
  const ticker = setInterval(report, 500);
  try {
    for (let index = 0; index < options.orders; index += 1) {
      const due = started + (index * 1000) / options.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const at = performance.now();
      requests.push(
        placeOrder(runtime, options.token, options.flow, index).then(
          (answer) => {
            answered += 1;
            if (answer.status === 202 && answer.orderId) sent.set(answer.orderId, at);
            else refused += 1;
          },
          () => {
            answered += 1;
            refused += 1;
          },
        ),
      );
    }
    await Promise.all(requests);
    const deadline = performance.now() + options.drainMs;
    for (const orderId of sent.keys()) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await clock.wait(orderId, left);
    }
  } finally {
    clearInterval(ticker);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const latencies: number[] = [];
  let last = started;
  for (const [orderId, at] of sent) {
    const finished = clock.finishedAt(orderId);
    if (finished === undefined) continue;
    latencies.push(finished - at);
    last = Math.max(last, finished);
  }
  latencies.sort((a, b) => a - b);
  const seconds = (last - started) / 1000;
  return {
    offered: options.orders,
    accepted: sent.size,
    refused: refused + (options.orders - answered),
    terminal: latencies.length,
    lost: sent.size - latencies.length,
    seconds,
    throughput: latencies.length / Math.max(seconds, 0.001),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1) ?? Number.NaN,
    cpuMsPerOrder: (cpu.user + cpu.system) / 1000 / Math.max(latencies.length, 1),
  };
}
