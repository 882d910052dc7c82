import { type CommandHandlerOptions, commandHandler } from "@keel/runtime";
import { type PaymentsDependencies, paymentsDependencies } from "../adapters/dependencies";
import { voidPayment } from "../domain/void-payment";

type Options = Pick<CommandHandlerOptions<"VoidPayment">, "persistenceStore" | "publisher">;

export const makeHandler = (dependencies: () => PaymentsDependencies = paymentsDependencies, options: Options = {}) =>
  commandHandler({
    commands: ["VoidPayment"],
    handle: ({ meta, data }) => voidPayment({ tenantId: meta.tenantId, orderId: data.orderId }, dependencies()),
    ...options,
  });

export const handler = makeHandler();
