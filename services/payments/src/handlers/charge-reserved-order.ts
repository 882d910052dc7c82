import { type EventReactionOptions, eventReaction } from "@keel/runtime";
import { type PaymentsDependencies, paymentsDependencies } from "../adapters/dependencies";
import { chargeWhenReady } from "../domain/charge";

type Options = Pick<EventReactionOptions<"InventoryReserved">, "persistenceStore" | "publisher">;

/** The saga: stock reserved for an order is the go-ahead to charge it (the second write-up's chargePayment). */
export const makeHandler = (dependencies: () => PaymentsDependencies = paymentsDependencies, options: Options = {}) =>
  eventReaction({
    events: ["InventoryReserved"],
    handle: async ({ meta, data }) => {
      const deps = dependencies();
      const known = await deps.intents.recordReservation(meta.tenantId ?? "unknown", data.orderId, data.reservationId);
      return chargeWhenReady(known, deps);
    },
    ...options,
  });

export const handler = makeHandler();
