import { type EventConsumerOptions, eventConsumer, logger } from "@keel/runtime";
import { real } from "../adapters/dependencies";
import type { OrdersRepository } from "../domain/ports";
import { applyOutcome, type OutcomeEvent, placed } from "../domain/read-model";

/**
 * The order read model: an order placed through the saga appears; outcome events of either flow
 * set its status; a scheduled shipment moves a created order on.
 */
type Options = Pick<EventConsumerOptions<"OrderCreated">, "persistenceStore">;

export const makeHandler = (orders: () => OrdersRepository = real.orders, options: Options = {}) =>
  eventConsumer({
    events: ["OrderPlaced", "OrderCreated", "OrderRejected", "ShippingScheduled"],
    handle: async (event) => {
      const tenantId = event.meta.tenantId;
      if (!tenantId) return logger.warn("an event without a tenant cannot be projected");
      if (event.meta.eventName === "OrderPlaced") {
        const acceptance = await orders().accept(placed(event as Parameters<typeof placed>[0]));
        if (acceptance === "taken")
          logger.warn("a placed order's id is already held by another order", { orderId: event.data.orderId });
        return;
      }
      const known = await orders().change(tenantId, event.data.orderId, (view) => ({
        view: applyOutcome(view, event as unknown as OutcomeEvent),
        result: true,
      }));
      if (!known) logger.warn("an outcome for an order the read model does not know", { orderId: event.data.orderId });
    },
    ...options,
  });

export const handler = makeHandler();
