import type { CommandEnvelope } from "@keel/contracts";
import { taskHandler } from "@keel/runtime";
import type { CreateOrderData } from "../domain/order";
import { orderRejected, type Rejection } from "../domain/rejection";

/** RejectOrder (a task of the CreateOrder workflow): the OrderRejected event for the path that failed. */
export const handler = taskHandler(
  async (input: { command: CommandEnvelope<CreateOrderData>; rejection: Rejection }) => ({
    event: orderRejected(input.command, input.rejection),
  }),
);
