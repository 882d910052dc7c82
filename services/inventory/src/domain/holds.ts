import type { StockRepository } from "./ports";
import { type FailureReason, mergeLines, type Shortfall, type StockLine } from "./reservation";

export type TakeAllResult = { ok: true } | { ok: false; reason: FailureReason; shortfall: Shortfall[] };

/**
 * Takes every line of a reservation, one SKU at a time, and stops at the first that cannot be
 * taken. A line the reservation already holds counts as taken: a retry never takes it twice.
 */
export async function takeAll(
  stock: StockRepository,
  reservationId: string,
  lines: readonly StockLine[],
): Promise<TakeAllResult> {
  for (const line of mergeLines(lines)) {
    const result = await stock.take(line.sku, reservationId, line.qty);
    switch (result.kind) {
      case "taken":
      case "already-held":
        continue;
      case "unknown-sku":
        return { ok: false, reason: "UNKNOWN_SKU", shortfall: [{ sku: line.sku, requested: line.qty, available: 0 }] };
      case "short":
        return {
          ok: false,
          reason: "OUT_OF_STOCK",
          shortfall: [{ sku: line.sku, requested: line.qty, available: result.available }],
        };
    }
  }
  return { ok: true };
}

/** Gives back whatever the reservation holds of its lines; the lines actually given back. */
export async function giveBackAll(
  stock: StockRepository,
  reservationId: string,
  lines: readonly StockLine[],
): Promise<StockLine[]> {
  const given: StockLine[] = [];
  for (const { sku } of mergeLines(lines)) {
    const qty = await stock.giveBack(sku, reservationId);
    if (qty > 0) given.push({ sku, qty });
  }
  return given;
}

/** Drops whatever the reservation still holds of its lines: the order was created, the units are sold. */
export async function commitAll(
  stock: StockRepository,
  reservationId: string,
  lines: readonly StockLine[],
): Promise<StockLine[]> {
  const committed: StockLine[] = [];
  for (const { sku } of mergeLines(lines)) {
    const qty = await stock.commit(sku, reservationId);
    if (qty > 0) committed.push({ sku, qty });
  }
  return committed;
}
