import { type CommandEnvelope, createCommand } from "@keel/contracts";
import type { CreateOrderData, OrderSummary } from "./order";
import { summarize } from "./order";

/**
 * The input of a CreateOrder execution: the command, the order's summary, and every command the
 * workflow may send, built here with their ids. The state machine sends them as they are (adding
 * only its task token), so a resent command keeps its id and its handler deduplicates it.
 */
export interface CreateOrderInput {
  command: CommandEnvelope<CreateOrderData>;
  order: OrderSummary;
  plan: {
    authorizePayment: CommandEnvelope;
    reserveInventory: CommandEnvelope;
    voidPayment: CommandEnvelope;
    releaseInventory: CommandEnvelope;
  };
}

const WORKFLOW = { type: "service", id: "orders.workflow" } as const;

export function planCreateOrder(command: CommandEnvelope<CreateOrderData>, now = new Date()): CreateOrderInput {
  const order = summarize(command.meta.tenantId, command.data);
  const options = { cause: command, initiator: WORKFLOW, now };
  return {
    command,
    order,
    plan: {
      authorizePayment: createCommand(
        "AuthorizePayment",
        {
          orderId: order.orderId,
          customerId: order.customerId,
          amount: order.totalAmount,
          currency: order.currency,
          paymentMethodToken: command.data.paymentMethodToken,
        },
        options,
      ),
      reserveInventory: createCommand("ReserveInventory", { orderId: order.orderId, lines: order.lines }, options),
      voidPayment: createCommand(
        "VoidPayment",
        { orderId: order.orderId, reason: "the order was not created" },
        options,
      ),
      releaseInventory: createCommand(
        "ReleaseInventory",
        { orderId: order.orderId, reason: "the order was not created" },
        options,
      ),
    },
  };
}
