import type { ReservationsRepository, StockRepository } from "../src/domain/ports";
import type { Reservation } from "../src/domain/reservation";
import { type StockItem, whyNotTaken } from "../src/domain/stock";

/** Lets other work run first, as a network round trip would: concurrent use cases interleave. */
const roundTrip = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Reservations in memory, with the same conditional semantics as the DynamoDB adapter. */
export function memoryReservations(): ReservationsRepository & { items: Map<string, Reservation> } {
  const items = new Map<string, Reservation>();
  const key = (tenantId: string, orderId: string) => `${tenantId}#${orderId}`;
  return {
    items,
    get: async (tenantId, orderId) => {
      await roundTrip();
      const found = items.get(key(tenantId, orderId));
      return found ? structuredClone(found) : undefined;
    },
    create: async (reservation) => {
      await roundTrip();
      if (items.has(key(reservation.tenantId, reservation.orderId))) return false;
      items.set(key(reservation.tenantId, reservation.orderId), structuredClone(reservation));
      return true;
    },
    transition: async (tenantId, orderId, from, to) => {
      await roundTrip();
      const current = items.get(key(tenantId, orderId));
      const expected = Object.entries(from).filter(([, value]) => value !== undefined);
      if (!current || expected.some(([name, value]) => current[name as keyof Reservation] !== value)) return false;
      const fields = Object.fromEntries(Object.entries(to).filter(([, value]) => value !== undefined));
      items.set(key(tenantId, orderId), { ...current, ...structuredClone(fields) });
      return true;
    },
  };
}

/**
 * Stock in memory, with the same conditional semantics as the DynamoDB adapter: each operation
 * checks and writes one item at once. `before` runs ahead of each operation (to inject a crash or a
 * concurrent command at a chosen point).
 */
export function memoryStock(initial: Record<string, number> = {}) {
  const items = new Map<string, StockItem>(
    Object.entries(initial).map(([sku, available]) => [sku, { sku, available, holds: {} }]),
  );
  const calls: { operation: "take" | "giveBack" | "commit"; sku: string }[] = [];
  const hooks: { before?: (operation: "take" | "giveBack" | "commit", sku: string) => Promise<void> | void } = {};
  const enter = async (operation: "take" | "giveBack" | "commit", sku: string) => {
    calls.push({ operation, sku });
    await hooks.before?.(operation, sku);
    await roundTrip();
  };
  const release = (sku: string, reservationId: string, back: boolean) => {
    const item = items.get(sku);
    const held = item?.holds[reservationId];
    if (!item || held === undefined) return 0;
    delete item.holds[reservationId];
    if (back) item.available += held;
    return held;
  };
  const stock: StockRepository = {
    take: async (sku, reservationId, qty) => {
      await enter("take", sku);
      const item = items.get(sku);
      if (!item || item.available < qty || item.holds[reservationId] !== undefined) {
        const why = whyNotTaken(item && structuredClone(item), reservationId, qty);
        if (!why) throw new Error("the fake changed between a refused take and its read");
        return why;
      }
      item.available -= qty;
      item.holds[reservationId] = qty;
      return { kind: "taken" };
    },
    giveBack: async (sku, reservationId) => {
      await enter("giveBack", sku);
      return release(sku, reservationId, true);
    },
    commit: async (sku, reservationId) => {
      await enter("commit", sku);
      return release(sku, reservationId, false);
    },
  };
  return {
    stock,
    items,
    calls,
    hooks,
    available: (sku: string) => items.get(sku)?.available,
    holds: (sku: string) => ({ ...items.get(sku)?.holds }),
  };
}
