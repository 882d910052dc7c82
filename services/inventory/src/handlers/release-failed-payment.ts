import { type EventReactionOptions, eventReaction } from "@keel/runtime";
import { type InventoryDependencies, inventoryDependencies } from "../adapters/dependencies";
import { releaseInventory } from "../domain/release-inventory";

type Options = Pick<EventReactionOptions<"PaymentFailed">, "persistenceStore" | "publisher">;

/**
 * The saga's compensation: a payment that failed releases the order's reservation — the same
 * release as ReleaseInventory. Arriving before the reservation, it leaves a tombstone that
 * refuses the reservation when it comes.
 */
export const makeHandler = (dependencies: () => InventoryDependencies = inventoryDependencies, options: Options = {}) =>
  eventReaction({
    events: ["PaymentFailed"],
    handle: ({ meta, data }) =>
      releaseInventory(
        { tenantId: meta.tenantId ?? "unknown", orderId: data.orderId, commandId: meta.eventId },
        dependencies(),
      ),
    ...options,
  });

export const handler = makeHandler();
