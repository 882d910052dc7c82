import { type EventReactionOptions, eventReaction } from "@keel/runtime";
import { real } from "../adapters/dependencies";
import type { OrdersRepository } from "../domain/ports";
import { type ConcludingEvent, concludeSaga } from "../domain/saga";

/** The saga's order is not in the read model yet (its OrderPlaced is still on its way): try again. */
export class OrderNotYetPlacedError extends Error {
  override readonly name = "OrderNotYetPlaced";
}

type Options = Pick<EventReactionOptions<"PaymentCharged">, "persistenceStore" | "publisher">;

/**
 * The saga's end, from orders' side: a charge makes the order OrderCreated; stock that could not be
 * reserved, or was released after a failed payment, makes it OrderRejected — the same facts the
 * orchestrated flow ends with, so shipping and notifications react alike to both flows.
 */
export const makeHandler = (orders: () => OrdersRepository = real.orders, options: Options = {}) =>
  eventReaction({
    events: ["PaymentCharged", "InventoryReservationFailed", "InventoryReleased"],
    handle: async (event) => {
      const tenantId = event.meta.tenantId ?? "unknown";
      const outcome = await orders().change(tenantId, event.data.orderId, (view) => {
        const conclusion = concludeSaga(view, event as ConcludingEvent);
        return { view: conclusion.view, result: conclusion.outcome ?? null };
      });
      if (outcome === undefined) throw new OrderNotYetPlacedError(`order ${event.data.orderId} is not placed yet`);
      return outcome ?? undefined;
    },
    ...options,
  });

export const handler = makeHandler();
