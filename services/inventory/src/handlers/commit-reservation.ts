import { type EventConsumerOptions, eventConsumer, logger } from "@keel/runtime";
import { type InventoryDependencies, inventoryDependencies } from "../adapters/dependencies";
import { commitReservation } from "../domain/commit-reservation";

type Options = Pick<EventConsumerOptions<"OrderCreated">, "persistenceStore">;

/** OrderCreated: the order's reserved stock is sold, its holds leave the stock items. */
export const makeHandler = (dependencies: () => InventoryDependencies = inventoryDependencies, options: Options = {}) =>
  eventConsumer({
    events: ["OrderCreated"],
    handle: async ({ meta, data }) => {
      if (!meta.tenantId) {
        logger.warn("OrderCreated carries no tenant: its reservation cannot be found", { orderId: data.orderId });
        return;
      }
      const result = await commitReservation({ tenantId: meta.tenantId, orderId: data.orderId }, dependencies());
      if (result.outcome !== "NOTHING_TO_COMMIT") logger.info("the order's reserved stock is committed", { ...result });
      // A created order whose reservation is not RESERVED means a flow went wrong upstream.
      else if (result.status)
        logger.warn("the created order's reservation is not RESERVED: nothing committed", { ...result });
      else logger.info("the created order has no reservation: nothing to commit");
    },
    ...options,
  });

export const handler = makeHandler();
