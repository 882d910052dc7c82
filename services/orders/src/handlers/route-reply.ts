import { eventListener, logger } from "@keel/runtime";
import { real } from "../adapters/dependencies";
import type { TaskCallbacks } from "../domain/ports";

const FAILURES = new Set(["PaymentFailed", "InventoryReservationFailed"]);

/**
 * The reply router: an outcome event that carries `meta.replyTo` resumes the workflow waiting for
 * it — success with the event, failure with the event's name as the error. Not deduplicated on the
 * event id: a redelivered command's outcome keeps its id but brings a new task token.
 */
export const makeHandler = (callbacks: () => TaskCallbacks = real.callbacks) =>
  eventListener({
    events: [
      "PaymentAuthorized",
      "PaymentFailed",
      "PaymentVoided",
      "InventoryReserved",
      "InventoryReservationFailed",
      "InventoryReleased",
    ],
    handle: async (event) => {
      const token = event.meta.replyTo?.taskToken;
      if (!token) return;
      const name = event.meta.eventName;
      const result = FAILURES.has(name)
        ? await callbacks().fail(token, name, JSON.stringify(event.data))
        : await callbacks().succeed(token, {
            meta: { eventId: event.meta.eventId, eventName: name },
            data: event.data,
          });
      if (result === "gone") logger.info("the workflow no longer waits for this reply", { reply: name });
    },
  });

export const handler = makeHandler();
