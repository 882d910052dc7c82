import { type BusPublisher, commandConsumer, logger } from "@keel/runtime";
import { real } from "../adapters/dependencies";
import type { OrdersRepository, WorkflowStarter } from "../domain/ports";
import { accepted } from "../domain/read-model";
import { orderRejected } from "../domain/rejection";
import { planCreateOrder } from "../domain/workflow";

interface Dependencies {
  orders: () => OrdersRepository;
  workflow: () => WorkflowStarter;
  eventBus: () => Pick<BusPublisher, "publish">;
}

/**
 * CreateOrder from the command bus: records the order as PENDING and starts the CreateOrder
 * workflow under the command's id, so a redelivered command starts nothing twice. An order id
 * another command already holds is rejected here: its workflow would otherwise compensate (void,
 * release) what belongs to the other order.
 */
export const makeHandler = (deps: Dependencies = real) =>
  commandConsumer({
    commands: ["CreateOrder"],
    handle: async (command) => {
      const input = planCreateOrder(command);
      const acceptance = await deps.orders().accept(accepted(input.order, command.meta));
      if (acceptance === "taken") {
        logger.warn("the order id is already held by another order", { orderId: input.order.orderId });
        await deps.eventBus().publish([
          orderRejected(command, {
            reason: "DUPLICATE_ORDER_ID",
            cause: `order ${input.order.orderId} already exists`,
          }),
        ]);
        return { acceptance };
      }
      const execution = await deps.workflow().start(command.meta.commandId, input);
      logger.info("CreateOrder accepted", { acceptance, execution });
      return { acceptance, execution };
    },
  });

export const handler = makeHandler();
