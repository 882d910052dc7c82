import { type EventReactionOptions, eventReaction } from "@keel/runtime";
import { type InventoryDependencies, inventoryDependencies } from "../adapters/dependencies";
import { reserveInventory } from "../domain/reserve-inventory";

type Options = Pick<EventReactionOptions<"OrderPlaced">, "persistenceStore" | "publisher">;

/** The saga: an order placed is an order to reserve stock for — the same reservation as ReserveInventory. */
export const makeHandler = (dependencies: () => InventoryDependencies = inventoryDependencies, options: Options = {}) =>
  eventReaction({
    events: ["OrderPlaced"],
    handle: ({ meta, data }, context) =>
      reserveInventory(
        {
          tenantId: meta.tenantId ?? "unknown",
          orderId: data.orderId,
          lines: data.items.map((item) => ({ sku: item.sku, qty: item.qty })),
          commandId: meta.eventId,
          deadline: new Date(Date.now() + context.getRemainingTimeInMillis()),
        },
        dependencies(),
      ),
    ...options,
  });

export const handler = makeHandler();
