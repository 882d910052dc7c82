import { type DataOf, registry } from "@keel/contracts";
import { giveBackAll, takeAll } from "./holds";
import type { ReservationsRepository, StockRepository } from "./ports";
import {
  decideReserve,
  type FailureReason,
  failureDetail,
  type Reservation,
  reservationIdFor,
  type Shortfall,
  type StockLine,
} from "./reservation";

export type ReserveOutcome =
  | { event: "InventoryReserved"; data: DataOf<"InventoryReserved"> }
  | { event: "InventoryReservationFailed"; data: DataOf<"InventoryReservationFailed"> };

export interface ReserveRequest {
  tenantId: string;
  orderId: string;
  lines: StockLine[];
  commandId: string;
  /** When this invocation ends (its Lambda timeout): it owns the reservation until then at most. */
  deadline: Date;
}

export interface ReserveDependencies {
  reservations: ReservationsRepository;
  stock: StockRepository;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** While another command is reserving the order, look again this often, this many times, then give up. */
export const WAIT_POLL_MS = 200;
export const WAIT_POLLS = 15;

/** Another command is reserving the order right now: retry later, it will have an answer by then. */
export class ReservationInProgressError extends Error {
  override readonly name = "ReservationInProgressError";
}

const reserved = (reservation: Reservation): ReserveOutcome => ({
  event: "InventoryReserved",
  data: { orderId: reservation.orderId, reservationId: reservation.reservationId, lines: reservation.lines },
});

function failed(orderId: string, reason: FailureReason, shortfall: Shortfall[]): ReserveOutcome {
  const detail = failureDetail(reason, shortfall);
  const data = { orderId, reason, detail, shortfall };
  // A SKU named on several lines may ask more than one line of the message can carry: the detail says it then.
  const fits = registry.InventoryReservationFailed.schema.safeParse(data).success;
  return { event: "InventoryReservationFailed", data: fits ? data : { orderId, reason, detail } };
}

const cancelled = (orderId: string): ReserveOutcome => ({
  event: "InventoryReservationFailed",
  data: { orderId, reason: "RESERVATION_CANCELLED", detail: "the order's reservation was released before it was made" },
});

/**
 * Reserves stock for every line of an order, or for none. Every command for the order converges
 * on one reservation and one answer: the first creates it, a retry after a crash continues it
 * without taking a line twice, a command that finds it decided answers the same, and a command
 * that finds another one reserving waits for that one's answer (or takes over once that one can
 * no longer act). A release that arrives first or meanwhile cancels it, and the lines go back.
 */
export async function reserveInventory(request: ReserveRequest, deps: ReserveDependencies): Promise<ReserveOutcome> {
  const now = () => deps.now?.() ?? new Date();
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { tenantId, orderId, commandId } = request;
  const reservationId = reservationIdFor(tenantId, orderId);
  const leaseUntil = request.deadline.toISOString();
  let waits = 0;

  for (;;) {
    const existing = await deps.reservations.get(tenantId, orderId);
    const decision = decideReserve(existing, { commandId, now: now() });
    let reservation: Reservation;
    switch (decision.kind) {
      case "reserved":
        return reserved(existing as Reservation);
      case "failed":
        return failed(orderId, decision.reason, decision.shortfall);
      case "cancelled":
        // A reserving command stopped half-way may have left lines held: give them back.
        await giveBackAll(deps.stock, reservationId, existing?.lines ?? []);
        return cancelled(orderId);
      case "wait":
        if (waits >= WAIT_POLLS)
          throw new ReservationInProgressError(`order ${orderId} is being reserved by ${existing?.commandId}`);
        waits += 1;
        await sleep(WAIT_POLL_MS);
        continue;
      case "start":
        reservation = {
          tenantId,
          orderId,
          reservationId,
          lines: request.lines,
          status: "RESERVING",
          commandId,
          leaseUntil,
          updatedAt: now().toISOString(),
        };
        // Another command got there first: decide again from what it wrote.
        if (!(await deps.reservations.create(reservation))) continue;
        break;
      case "claim": {
        const current = existing as Reservation;
        const from = { status: "RESERVING", commandId: current.commandId, leaseUntil: current.leaseUntil } as const;
        const lease = { commandId, leaseUntil, updatedAt: now().toISOString() };
        // Another command claimed it first, or it moved on: decide again.
        if (!(await deps.reservations.transition(tenantId, orderId, from, lease))) continue;
        reservation = { ...current, commandId, leaseUntil };
        break;
      }
    }

    const taken = await takeAll(deps.stock, reservationId, reservation.lines);
    if (!taken.ok) await giveBackAll(deps.stock, reservationId, reservation.lines);
    const to = taken.ok
      ? ({ status: "RESERVED" } as const)
      : ({ status: "FAILED", failureReason: taken.reason, shortfall: taken.shortfall } as const);
    const owned = { status: "RESERVING", commandId, leaseUntil } as const;
    if (await deps.reservations.transition(tenantId, orderId, owned, { ...to, updatedAt: now().toISOString() })) {
      return taken.ok ? reserved(reservation) : failed(orderId, taken.reason, taken.shortfall);
    }
    // Released meanwhile: decide again from what is recorded, which gives the lines back.
  }
}
