import { type EventConsumerOptions, eventConsumer } from "@keel/runtime";
import { type NotificationsDependencies, notificationsDependencies } from "../adapters/dependencies";
import { notify } from "../domain/notify";

type Options = Pick<EventConsumerOptions<"PaymentFailed">, "persistenceStore">;

/** PaymentFailed → the payments operations team (the customer hears through OrderRejected). */
export const makeHandler = (
  dependencies: () => NotificationsDependencies = notificationsDependencies,
  options: Options = {},
) =>
  eventConsumer({
    events: ["PaymentFailed"],
    handle: async (event) => {
      await notify(event, dependencies());
    },
    ...options,
  });

export const handler = makeHandler();
