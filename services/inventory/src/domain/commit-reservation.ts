import { commitAll } from "./holds";
import type { ReservationsRepository, StockRepository } from "./ports";
import { decideCommit, type ReservationStatus, type StockLine } from "./reservation";

export type CommitOutcome =
  | { outcome: "COMMITTED" | "ALREADY_COMMITTED"; reservationId: string; lines: StockLine[] }
  /** No reservation, or one that is not RESERVED (`status`): there is nothing to commit. */
  | { outcome: "NOTHING_TO_COMMIT"; status?: ReservationStatus };

export interface CommitDependencies {
  reservations: ReservationsRepository;
  stock: StockRepository;
  now?: () => Date;
}

/**
 * The order was created: the stock its reservation holds is sold. The reservation becomes
 * COMMITTED first, then each hold is dropped from its stock item (which would otherwise keep one
 * hold per order forever). A release can no longer give the stock back.
 */
export async function commitReservation(
  order: { tenantId: string; orderId: string },
  deps: CommitDependencies,
): Promise<CommitOutcome> {
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  for (;;) {
    const existing = await deps.reservations.get(order.tenantId, order.orderId);
    const decision = decideCommit(existing);
    if (!existing || decision.kind === "nothing") {
      return { outcome: "NOTHING_TO_COMMIT", ...(existing ? { status: existing.status } : {}) };
    }
    if (decision.kind === "commit") {
      const committed = await deps.reservations.transition(
        order.tenantId,
        order.orderId,
        { status: "RESERVED" },
        { status: "COMMITTED", updatedAt: now() },
      );
      // Released or committed meanwhile: decide again.
      if (!committed) continue;
    }
    // Also after a crash between the transition and the holds: drop what is still held.
    await commitAll(deps.stock, existing.reservationId, existing.lines);
    return {
      outcome: decision.kind === "commit" ? "COMMITTED" : "ALREADY_COMMITTED",
      reservationId: existing.reservationId,
      lines: existing.lines,
    };
  }
}
