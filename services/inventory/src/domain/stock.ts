/**
 * The stock of one SKU: what is free to reserve, and what each reservation holds of it. Reserving
 * moves units from `available` to `holds[reservationId]`; releasing moves them back; committing
 * (the order was created) drops the hold, the units are gone for good. Each move is one
 * conditional write of the item, so it happens at most once per reservation.
 */
export interface StockItem {
  sku: string;
  available: number;
  holds: Record<string, number>;
}

/** What taking a line for a reservation did. */
export type TakeResult =
  | { kind: "taken" }
  /** The reservation already holds this SKU: a retry after a crash took it before. */
  | { kind: "already-held"; qty: number }
  | { kind: "unknown-sku" }
  | { kind: "short"; available: number };

/**
 * Why the conditional take of `qty` for `reservationId` was refused, from the item read after
 * the refusal — or undefined when the item now allows it (it changed in between: try again).
 */
export function whyNotTaken(
  item: StockItem | undefined,
  reservationId: string,
  qty: number,
): Exclude<TakeResult, { kind: "taken" }> | undefined {
  if (!item) return { kind: "unknown-sku" };
  const held = item.holds?.[reservationId];
  if (held !== undefined) return { kind: "already-held", qty: held };
  const available = Math.max(0, Number(item.available ?? 0));
  return available < qty ? { kind: "short", available } : undefined;
}
