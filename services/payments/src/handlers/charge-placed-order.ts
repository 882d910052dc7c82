import { type EventReactionOptions, eventReaction } from "@keel/runtime";
import { type PaymentsDependencies, paymentsDependencies } from "../adapters/dependencies";
import { chargeWhenReady } from "../domain/charge";

type Options = Pick<EventReactionOptions<"OrderPlaced">, "persistenceStore" | "publisher">;

/** The saga: an order placed brings its payment details; it is charged once its stock is reserved. */
export const makeHandler = (dependencies: () => PaymentsDependencies = paymentsDependencies, options: Options = {}) =>
  eventReaction({
    events: ["OrderPlaced"],
    handle: async ({ meta, data }) => {
      const deps = dependencies();
      const known = await deps.intents.recordIntent({
        tenantId: meta.tenantId ?? "unknown",
        orderId: data.orderId,
        customerId: data.customerId,
        amount: data.totalAmount,
        currency: data.currency,
        paymentMethodToken: data.paymentMethodToken,
        placedEventId: meta.eventId,
      });
      return chargeWhenReady(known, deps);
    },
    ...options,
  });

export const handler = makeHandler();
