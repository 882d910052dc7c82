import { createHash } from "node:crypto";

/**
 * A reservation is the stock an order holds: one per order (tenant and order id), every line or
 * none. Each line is held on its SKU's stock item under the reservation id, which is derived from
 * the tenant and the order, so every command for the order uses the same hold keys and a line is
 * never taken twice.
 *
 *   (none) ──reserve──▶ RESERVING ──every line taken──▶ RESERVED ──order created──▶ COMMITTED
 *                          │     └──a line is short (lines given back)──▶ FAILED
 *                          └──release──▶ RELEASED (the reserving command gives its lines back)
 *                                        RESERVED ──release (lines given back)──▶ RELEASED
 *   (none) ──release──▶ RELEASED (a tombstone: a later reservation for the order is refused)
 *
 * There are no transactions: each step is one conditional write of one item, and the order of the
 * steps makes them safe together.
 *
 * - While RESERVING, one ReserveInventory command owns the reservation (`commandId`) until
 *   `leaseUntil`, the end of its Lambda invocation, after which it cannot act any more. A retry of
 *   that command (Powertools lets it in only once the crashed attempt has expired) claims it again
 *   and continues. Another command for the order — the workflow resends on a timeout — does not
 *   work beside it: it waits briefly for the owner's answer and answers the same; if the owner
 *   is still at work it fails (Lambda retries it later, by which time there is an answer); if the
 *   owner's lease ran out it takes over. Only the owner takes or gives back lines while
 *   RESERVING, and every owner uses the same hold keys, so no line is ever taken twice.
 * - Leaving RESERVED, the status moves first and the stock follows: a release or the order's
 *   creation wins the move, and only the winner gives the lines back (or drops the holds). A
 *   retry after a crash between the two finds the status moved and finishes the stock.
 * - Nothing is held under a FAILED or RELEASED reservation: whoever finds it RELEASED gives back
 *   whatever a stopped reserving command may have left held (a conditional no-op otherwise).
 */
export type ReservationStatus = "RESERVING" | "RESERVED" | "FAILED" | "RELEASED" | "COMMITTED";

export interface StockLine {
  sku: string;
  qty: number;
}

export interface Shortfall {
  sku: string;
  requested: number;
  available: number;
}

export type FailureReason = "OUT_OF_STOCK" | "UNKNOWN_SKU";

export type ReleaseOutcome = "RELEASED" | "ALREADY_RELEASED" | "NOTHING_TO_RELEASE";

export interface Reservation {
  tenantId: string;
  orderId: string;
  reservationId: string;
  /** The order's lines as the first ReserveInventory for it asked for them; none for a tombstone. */
  lines: StockLine[];
  status: ReservationStatus;
  /** The ReserveInventory command that owns (or owned) the reservation. */
  commandId?: string;
  /** While RESERVING: the owner cannot act after this instant (the end of its invocation). */
  leaseUntil?: string;
  failureReason?: FailureReason;
  shortfall?: Shortfall[];
  /** The ReleaseInventory command that released it, and what that command answered. */
  releasedBy?: string;
  releaseOutcome?: Exclude<ReleaseOutcome, "ALREADY_RELEASED">;
  updatedAt: string;
}

/** The hold key of an order's lines: the same for every command about the order. */
export const reservationIdFor = (tenantId: string, orderId: string) =>
  `res_${createHash("sha256").update(`${tenantId}#${orderId}`).digest("hex").slice(0, 24)}`;

/**
 * One line per SKU (an order may name a SKU twice), in SKU order: every reservation takes its
 * SKUs in the same order, so two orders competing for the last units of the same SKUs do not
 * each take one and both fail.
 */
export function mergeLines(lines: readonly StockLine[]): StockLine[] {
  const bySku = new Map<string, number>();
  for (const line of lines) bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.qty);
  return [...bySku.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sku, qty]) => ({ sku, qty }));
}

/** How long past a lease another command waits before taking over: clocks of two invocations may differ. */
export const LEASE_MARGIN_MS = 1_000;

/** What a ReserveInventory command should do, given the order's reservation. */
export type ReserveDecision =
  | { kind: "start" }
  /** RESERVING: this command's retry after a crash, or a takeover of an owner whose lease ran out. */
  | { kind: "claim" }
  /** RESERVING by another command, which may still be working on it. */
  | { kind: "wait" }
  | { kind: "reserved" }
  | { kind: "failed"; reason: FailureReason; shortfall: Shortfall[] }
  | { kind: "cancelled" };

export function decideReserve(
  existing: Reservation | undefined,
  request: { commandId: string; now: Date },
): ReserveDecision {
  if (!existing) return { kind: "start" };
  switch (existing.status) {
    case "RESERVING": {
      if (existing.commandId === request.commandId) return { kind: "claim" };
      // No lease recorded (NaN) counts as expired: nobody can be relying on it.
      const leased = Date.parse(existing.leaseUntil ?? "") + LEASE_MARGIN_MS > request.now.getTime();
      return { kind: leased ? "wait" : "claim" };
    }
    case "RESERVED":
    case "COMMITTED":
      return { kind: "reserved" };
    case "FAILED":
      return {
        kind: "failed",
        reason: existing.failureReason ?? "OUT_OF_STOCK",
        shortfall: existing.shortfall ?? [],
      };
    case "RELEASED":
      return { kind: "cancelled" };
  }
}

/** What a ReleaseInventory command should do, given the order's reservation. */
export type ReleaseDecision =
  | { kind: "tombstone" }
  | { kind: "cancel-in-flight" }
  | { kind: "release" }
  /** Nothing to change; `sweep`: give back any line still held (a reserving command that stopped half-way). */
  | { kind: "done"; outcome: ReleaseOutcome; sweep: boolean };

export function decideRelease(existing: Reservation | undefined, commandId: string): ReleaseDecision {
  if (!existing) return { kind: "tombstone" };
  switch (existing.status) {
    case "RESERVING":
      return { kind: "cancel-in-flight" };
    case "RESERVED":
      return { kind: "release" };
    case "RELEASED":
      // The same command again (a retry after a crash) answers what it answered the first time.
      return {
        kind: "done",
        outcome:
          existing.releasedBy === commandId ? (existing.releaseOutcome ?? "NOTHING_TO_RELEASE") : "ALREADY_RELEASED",
        sweep: true,
      };
    case "FAILED":
      return { kind: "done", outcome: "NOTHING_TO_RELEASE", sweep: false };
    case "COMMITTED":
      // The order was created: its stock is sold, and releasing it would sell it twice.
      return { kind: "done", outcome: "NOTHING_TO_RELEASE", sweep: false };
  }
}

/** What an OrderCreated should do to the order's reservation. */
export type CommitDecision =
  | { kind: "commit" }
  /** Already COMMITTED: remove any hold a crash left behind. */
  | { kind: "already-committed" }
  | { kind: "nothing" };

export function decideCommit(existing: Reservation | undefined): CommitDecision {
  switch (existing?.status) {
    case "RESERVED":
      return { kind: "commit" };
    case "COMMITTED":
      return { kind: "already-committed" };
    default:
      return { kind: "nothing" };
  }
}

/** A human-readable account of why a reservation failed. */
export function failureDetail(reason: FailureReason, shortfall: readonly Shortfall[]): string {
  const [first] = shortfall;
  if (!first) return reason === "UNKNOWN_SKU" ? "an SKU of the order is not stocked" : "not enough stock";
  return reason === "UNKNOWN_SKU"
    ? `${first.sku} is not a stocked SKU`
    : `not enough ${first.sku}: ${first.requested} requested, ${first.available} available`;
}
