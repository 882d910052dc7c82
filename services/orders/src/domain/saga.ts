import { createEvent, type DataOf, type EventEnvelope } from "@keel/contracts";
import type { OrderView } from "./read-model";

type Envelope<N extends string, D> = EventEnvelope<D> & { meta: { eventName: N } };

/** The saga events that conclude an order. */
export type ConcludingEvent =
  | Envelope<"InventoryReservationFailed", DataOf<"InventoryReservationFailed">>
  | Envelope<"InventoryReleased", DataOf<"InventoryReleased">>
  | Envelope<"PaymentCharged", DataOf<"PaymentCharged">>;

export interface Conclusion {
  view: OrderView;
  /** The terminal fact to publish: OrderCreated or OrderRejected. */
  outcome?: EventEnvelope;
}

/**
 * The orders side of the saga: the first concluding event decides the order (charged → OrderCreated;
 * no stock → INVENTORY_FAILED and OrderRejected; payment failed and stock given back →
 * INVENTORY_RELEASED and OrderRejected). The same event again gets the same outcome again (to
 * publish it if it was lost); any later one changes nothing.
 */
export function concludeSaga(view: OrderView, event: ConcludingEvent): Conclusion {
  if (view.flow !== "choreography") return { view };
  if (view.concludedBy === event.meta.eventId)
    return { view, ...(view.conclusion ? { outcome: view.conclusion } : {}) };
  if (view.concludedBy) return { view };
  const at = event.meta.occurredAt;
  const customer = { customerId: view.customerId, ...(view.contact ? { contact: view.contact } : {}) };
  let status: OrderView["status"] = view.status;
  let outcome: EventEnvelope;
  let reason: string | undefined;
  switch (event.meta.eventName) {
    case "PaymentCharged":
      outcome = createEvent(
        "OrderCreated",
        {
          orderId: view.orderId,
          status: "CREATED",
          paymentStatus: "AUTHORIZED",
          inventoryStatus: "RESERVED",
          totalAmount: view.totalAmount,
          currency: view.currency,
          ...customer,
        },
        { cause: event },
      );
      break;
    case "InventoryReservationFailed": {
      const failure = event.data as DataOf<"InventoryReservationFailed">;
      status = "INVENTORY_FAILED";
      reason = failure.reason === "RESERVATION_CANCELLED" ? "PAYMENT_DECLINED" : "OUT_OF_STOCK";
      const detail = failure.detail ?? failure.reason;
      outcome = createEvent(
        "OrderRejected",
        { orderId: view.orderId, status: "REJECTED", reason: reason as "OUT_OF_STOCK", detail, ...customer },
        { cause: event },
      );
      break;
    }
    case "InventoryReleased":
      status = "INVENTORY_RELEASED";
      reason = "PAYMENT_DECLINED";
      outcome = createEvent(
        "OrderRejected",
        {
          orderId: view.orderId,
          status: "REJECTED",
          reason: "PAYMENT_DECLINED",
          detail: "the payment failed; the reserved stock was released",
          ...customer,
        },
        { cause: event },
      );
      break;
  }
  return {
    view: {
      ...view,
      status,
      ...(reason ? { reason } : {}),
      concludedBy: event.meta.eventId,
      conclusion: outcome,
      updatedAt: at,
      history: [...view.history, { at, what: event.meta.eventName, eventId: event.meta.eventId }],
    },
    outcome,
  };
}
