import { type CommandHandlerOptions, commandHandler } from "@keel/runtime";
import { type PaymentsDependencies, paymentsDependencies } from "../adapters/dependencies";
import { authorizePayment } from "../domain/authorize-payment";

type Options = Pick<CommandHandlerOptions<"AuthorizePayment">, "persistenceStore" | "publisher">;

export const makeHandler = (dependencies: () => PaymentsDependencies = paymentsDependencies, options: Options = {}) =>
  commandHandler({
    commands: ["AuthorizePayment"],
    handle: ({ meta, data }) =>
      authorizePayment({ ...data, tenantId: meta.tenantId, commandId: meta.commandId }, dependencies()),
    ...options,
  });

export const handler = makeHandler();
