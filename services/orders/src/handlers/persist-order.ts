import type { CommandEnvelope } from "@keel/contracts";
import { taskHandler } from "@keel/runtime";
import { real } from "../adapters/dependencies";
import type { CreateOrderData, OrderSummary } from "../domain/order";
import type { OrdersRepository } from "../domain/ports";
import { orderCreated } from "../domain/rejection";

interface PersistInput {
  command: CommandEnvelope<CreateOrderData>;
  order: OrderSummary;
}

/** PersistOrder (a task of the CreateOrder workflow): records the order once and returns OrderCreated to publish. */
export const makeHandler = (orders: () => OrdersRepository = real.orders) =>
  taskHandler(async ({ command, order }: PersistInput) => {
    const event = await orders().persist(order.tenantId, order.orderId, command.meta.commandId, {
      lines: order.lines,
      event: orderCreated(command, order.totalAmount),
    });
    return { event };
  });

export const handler = makeHandler();
