import { eventConsumer, logger } from "@keel/runtime";
import { real } from "../adapters/dependencies";
import type { OrdersRepository } from "../domain/ports";
import type { OutcomeEvent } from "../domain/read-model";

/** The order read model: the workflow's outcome events set the order's status. */
export const makeHandler = (orders: () => OrdersRepository = real.orders) =>
  eventConsumer({
    events: ["OrderCreated", "OrderRejected"],
    handle: async (event) => {
      const tenantId = event.meta.tenantId;
      if (!tenantId) return logger.warn("an outcome event without a tenant cannot be projected");
      const known = await orders().applyOutcome(tenantId, event.data.orderId, event as unknown as OutcomeEvent);
      if (!known) logger.warn("outcome for an order the read model does not know", { orderId: event.data.orderId });
    },
  });

export const handler = makeHandler();
