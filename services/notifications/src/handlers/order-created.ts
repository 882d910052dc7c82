import { type EventConsumerOptions, eventConsumer } from "@keel/runtime";
import { type NotificationsDependencies, notificationsDependencies } from "../adapters/dependencies";
import { notify } from "../domain/notify";

type Options = Pick<EventConsumerOptions<"OrderCreated">, "persistenceStore">;

/** OrderCreated → the customer, on every channel the order's contact gives. */
export const makeHandler = (
  dependencies: () => NotificationsDependencies = notificationsDependencies,
  options: Options = {},
) =>
  eventConsumer({
    events: ["OrderCreated"],
    handle: async (event) => {
      await notify(event, dependencies());
    },
    ...options,
  });

export const handler = makeHandler();
