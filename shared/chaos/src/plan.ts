import type { Flow, Line } from "./model";

/** What kind of order: an ordinary one, or one that takes a failure path on purpose. */
export type OrderKind = "ordinary" | "declined" | "slow-provider" | "out-of-stock" | "scarce-stock";

/** Shares of the orders (0–1); the rest are ordinary. */
export interface OrderMix {
  /** Orders placed through the choreographed saga (POST /saga/orders); the rest go through the workflow. */
  saga: number;
  /** `CUST-DECLINE`: the provider declines the card. */
  declined: number;
  /** `CUST-SLOW`: the provider answers only after the workflow stopped waiting (a provider timeout). */
  slowProvider: number;
  /** An `OUT-OF-STOCK` line: the reservation fails. */
  outOfStock: number;
  /** Lines of the scarce SKUs (`SKU-456`, `SKU-789`, `SKU-LIMITED`): orders compete for the last units. */
  scarceStock: number;
}

export const DEFAULT_MIX: OrderMix = {
  saga: 0.5,
  declined: 0.05,
  slowProvider: 0.02,
  outOfStock: 0.05,
  scarceStock: 0.1,
};

export interface PlannedOrder {
  index: number;
  flow: Flow;
  kind: OrderKind;
  customerId: string;
  items: Line[];
  /** The Idempotency-Key the client sends (and sends again on a retry). */
  idempotencyKey: string;
}

const SCARCE = ["SKU-456", "SKU-789", "SKU-LIMITED"] as const;

/** The orders of a run, decided by the seeded generator: the same seed plans the same orders. */
export function planOrders(count: number, mix: OrderMix, random: () => number, runId: string): PlannedOrder[] {
  const orders: PlannedOrder[] = [];
  for (let index = 0; index < count; index += 1) {
    const flow: Flow = random() < mix.saga ? "choreography" : "orchestration";
    const roll = random();
    const pick = (list: readonly string[]) => list[Math.floor(random() * list.length)] as string;
    const items: Line[] = [
      { sku: "SKU-123", qty: 1 + Math.floor(random() * 3), unitPrice: 49.95 },
      { sku: "SKU-999", qty: 1, unitPrice: 19.95 },
    ];
    let kind: OrderKind = "ordinary";
    let customerId = `CUST-${1000 + Math.floor(random() * 9000)}`;
    const bands: Array<[number, OrderKind]> = [
      [mix.declined, "declined"],
      [mix.slowProvider, "slow-provider"],
      [mix.outOfStock, "out-of-stock"],
      [mix.scarceStock, "scarce-stock"],
    ];
    let below = 0;
    for (const [share, band] of bands) {
      below += share;
      if (roll < below) {
        kind = band;
        break;
      }
    }
    if (kind === "declined") customerId = "CUST-DECLINE";
    if (kind === "slow-provider") customerId = "CUST-SLOW";
    if (kind === "out-of-stock") items.push({ sku: "OUT-OF-STOCK", qty: 1, unitPrice: 5 });
    if (kind === "scarce-stock") items.push({ sku: pick(SCARCE), qty: 1 + Math.floor(random() * 2), unitPrice: 12.5 });
    orders.push({ index, flow, kind, customerId, items, idempotencyKey: `chaos-${runId}-${index}` });
  }
  return orders;
}
