import type { Reservation, ReservationStatus } from "./reservation";
import type { TakeResult } from "./stock";

/** The reservations of orders, with the conditional writes that keep one reservation per order consistent. */
export interface ReservationsRepository {
  get(tenantId: string, orderId: string): Promise<Reservation | undefined>;
  /** Creates the reservation; false when the order already has one. */
  create(reservation: Reservation): Promise<boolean>;
  /**
   * Moves the reservation from what `from` says it is to the fields of `to`; false when it is no
   * longer that (another status, or — when given — another owning command or lease).
   */
  transition(
    tenantId: string,
    orderId: string,
    from: { status: ReservationStatus; commandId?: string; leaseUntil?: string },
    to: Partial<Reservation> & { updatedAt: string },
  ): Promise<boolean>;
}

/**
 * Stock per SKU. Every operation is one conditional write of the SKU's item, keyed by the
 * reservation id, so each happens at most once per reservation whatever the retries.
 */
export interface StockRepository {
  /** Moves `qty` from available to the reservation's hold, unless the reservation holds the SKU already. */
  take(sku: string, reservationId: string, qty: number): Promise<TakeResult>;
  /** Moves the reservation's hold back to available; the quantity given back, 0 when it held nothing. */
  giveBack(sku: string, reservationId: string): Promise<number>;
  /** Drops the reservation's hold (the units are sold); the quantity committed, 0 when it held nothing. */
  commit(sku: string, reservationId: string): Promise<number>;
}
