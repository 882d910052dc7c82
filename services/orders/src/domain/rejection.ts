import { type CommandEnvelope, createEvent, type DataOf, type EventEnvelope } from "@keel/contracts";
import type { CreateOrderData } from "./order";

export type RejectionReason = DataOf<"OrderRejected">["reason"];

/** Why the workflow rejects: a reason code and, from a failed step, its error and cause. */
export interface Rejection {
  reason: RejectionReason;
  error?: string;
  cause?: string;
}

/** A short, human explanation from a step's failure cause (often the failure event's data as JSON). */
export function explain(rejection: Rejection): string | undefined {
  if (!rejection.cause) return rejection.error;
  try {
    const cause = JSON.parse(rejection.cause) as { reason?: unknown; detail?: unknown; errorMessage?: unknown };
    const parts = [cause.reason, cause.detail ?? cause.errorMessage].filter((part) => typeof part === "string" && part);
    if (parts.length > 0) return parts.join(": ").slice(0, 500);
  } catch {
    // not JSON: the cause is already text
  }
  return rejection.cause.slice(0, 500);
}

export function orderRejected(
  command: CommandEnvelope<CreateOrderData>,
  rejection: Rejection,
): EventEnvelope<DataOf<"OrderRejected">> {
  const detail = explain(rejection);
  return createEvent(
    "OrderRejected",
    {
      orderId: command.data.orderId,
      status: "REJECTED",
      reason: rejection.reason,
      ...(detail ? { detail } : {}),
      customerId: command.data.customerId,
      ...(command.data.contact ? { contact: command.data.contact } : {}),
    },
    { cause: command },
  );
}

export function orderCreated(
  command: CommandEnvelope<CreateOrderData>,
  totalAmount: number,
): EventEnvelope<DataOf<"OrderCreated">> {
  return createEvent(
    "OrderCreated",
    {
      orderId: command.data.orderId,
      status: "CREATED",
      paymentStatus: "AUTHORIZED",
      inventoryStatus: "RESERVED",
      totalAmount,
      currency: command.data.currency,
      customerId: command.data.customerId,
      ...(command.data.contact ? { contact: command.data.contact } : {}),
    },
    { cause: command },
  );
}
