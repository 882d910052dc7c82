import { taskHandler } from "@keel/runtime";
import { assessFraud } from "../domain/fraud";
import type { OrderSummary } from "../domain/order";

/** FraudCheck (a task of the CreateOrder workflow). */
export const handler = taskHandler(async (order: OrderSummary) => assessFraud(order));
