import * as z from "zod/mini";
import { defineCommand, defineEvent } from "../define";
import { sourceOf } from "../domains";
import {
  amount,
  contact,
  currency,
  customerId,
  orderId,
  orderLines,
  paymentMethodToken,
  reason,
  rejectionReason,
} from "./fields";

export const CreateOrder = defineCommand({
  name: "CreateOrder",
  handler: "orders.workflow",
  owner: "orders",
  source: sourceOf("orders", "api"),
  description: "Place an order: check it for fraud, authorise payment, reserve stock and record it (orchestrated).",
  flows: ["orchestration"],
  versions: [
    {
      version: "1.0",
      schema: z.object({
        orderId,
        customerId,
        currency,
        items: orderLines,
        paymentMethodToken,
        contact: z.optional(contact),
      }),
    },
  ],
});

const orderCreatedV1 = z.object({
  orderId,
  status: z.literal("CREATED"),
  totalAmount: amount,
  currency,
});

export const OrderCreated = defineEvent({
  name: "OrderCreated",
  owner: "orders",
  source: sourceOf("orders", "workflow"),
  description: "An order passed every check, its payment is authorised, its stock reserved, and it is recorded.",
  flows: ["orchestration"],
  versions: [
    { version: "1.0", schema: orderCreatedV1 },
    {
      version: "1.1",
      schema: z.extend(orderCreatedV1, {
        paymentStatus: z.optional(z.literal("AUTHORIZED")),
        inventoryStatus: z.optional(z.literal("RESERVED")),
        customerId: z.optional(customerId),
        contact: z.optional(contact),
      }),
    },
  ],
});

export const OrderRejected = defineEvent({
  name: "OrderRejected",
  owner: "orders",
  source: sourceOf("orders", "workflow"),
  description: "An order was not created; whatever had been held for it has been released.",
  flows: ["orchestration"],
  versions: [
    {
      version: "1.0",
      schema: z.object({
        orderId,
        status: z.literal("REJECTED"),
        reason: rejectionReason,
        detail: z.optional(reason),
        customerId: z.optional(customerId),
        contact: z.optional(contact),
      }),
    },
  ],
});

export const OrderPlaced = defineEvent({
  name: "OrderPlaced",
  owner: "orders",
  source: sourceOf("orders", "api"),
  description:
    "An order was accepted at the door and starts the choreographed saga (the second write-up's OrderCreated).",
  flows: ["choreography"],
  versions: [
    {
      version: "1.0",
      schema: z.object({
        orderId,
        customerId,
        currency,
        items: orderLines,
        totalAmount: amount,
        paymentMethodToken,
        contact: z.optional(contact),
      }),
    },
  ],
});
