import { type EventReactionOptions, eventReaction, logger } from "@keel/runtime";
import { scheduleShipping } from "../domain/shipping";

type Options = Pick<EventReactionOptions<"OrderCreated">, "persistenceStore" | "publisher">;

/** OrderCreated, from either flow: the warehouse schedules the shipment. */
export const makeHandler = (options: Options = {}) =>
  eventReaction({
    events: ["OrderCreated"],
    handle: async ({ meta, data }) => {
      if (!meta.tenantId) {
        logger.warn("OrderCreated carries no tenant: its shipment cannot be scheduled", { orderId: data.orderId });
        return undefined;
      }
      return scheduleShipping({ tenantId: meta.tenantId, orderId: data.orderId });
    },
    ...options,
  });

export const handler = makeHandler();
