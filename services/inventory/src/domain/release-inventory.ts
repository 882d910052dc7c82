import type { DataOf } from "@keel/contracts";
import { giveBackAll } from "./holds";
import type { ReservationsRepository, StockRepository } from "./ports";
import { decideRelease, type ReleaseOutcome, type Reservation, reservationIdFor } from "./reservation";

export type ReleasedOutcome = { event: "InventoryReleased"; data: DataOf<"InventoryReleased"> };

export interface ReleaseDependencies {
  reservations: ReservationsRepository;
  stock: StockRepository;
  now?: () => Date;
}

/**
 * Gives back to stock what the order's reservation took, exactly once (compensation). The status
 * moves first, then the lines go back: whoever moves a RESERVED reservation — this release or
 * the order's creation — decides what happens to its stock, never both. Releasing nothing is a
 * success, and an order released before it was reserved can no longer be reserved.
 */
export async function releaseInventory(
  command: { tenantId: string; orderId: string; commandId: string },
  deps: ReleaseDependencies,
): Promise<ReleasedOutcome> {
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const { tenantId, orderId, commandId } = command;
  const released = (outcome: ReleaseOutcome, reservation?: Reservation): ReleasedOutcome => ({
    event: "InventoryReleased",
    data: {
      orderId,
      outcome,
      // A tombstone reserved nothing: there is no reservation to name.
      ...(reservation && reservation.lines.length > 0 ? { reservationId: reservation.reservationId } : {}),
      ...(reservation && outcome === "RELEASED" ? { lines: reservation.lines } : {}),
    },
  });
  const releasedBy = (releaseOutcome: "RELEASED" | "NOTHING_TO_RELEASE") =>
    ({ status: "RELEASED", releasedBy: commandId, releaseOutcome, updatedAt: now() }) as const;

  for (;;) {
    const existing = await deps.reservations.get(tenantId, orderId);
    const decision = decideRelease(existing, commandId);
    switch (decision.kind) {
      case "done":
        if (existing && decision.sweep) await giveBackAll(deps.stock, existing.reservationId, existing.lines);
        return released(decision.outcome, existing);
      case "tombstone": {
        const tombstone: Reservation = {
          tenantId,
          orderId,
          reservationId: reservationIdFor(tenantId, orderId),
          lines: [],
          ...releasedBy("NOTHING_TO_RELEASE"),
        };
        if (await deps.reservations.create(tombstone)) return released("NOTHING_TO_RELEASE");
        continue;
      }
      case "cancel-in-flight": {
        const current = existing as Reservation;
        const to = releasedBy("NOTHING_TO_RELEASE");
        if (!(await deps.reservations.transition(tenantId, orderId, { status: "RESERVING" }, to))) continue;
        // The reserving command finds it released, gives back what it took and answers RESERVATION_CANCELLED;
        // what it took so far goes back now already.
        await giveBackAll(deps.stock, current.reservationId, current.lines);
        return released("NOTHING_TO_RELEASE", current);
      }
      case "release": {
        const current = existing as Reservation;
        // Released or committed meanwhile: decide again.
        if (!(await deps.reservations.transition(tenantId, orderId, { status: "RESERVED" }, releasedBy("RELEASED"))))
          continue;
        await giveBackAll(deps.stock, current.reservationId, current.lines);
        return released("RELEASED", current);
      }
    }
  }
}
