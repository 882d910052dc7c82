import * as z from "zod/mini";
import { defineCommand, defineEvent } from "../define";
import { sourceOf } from "../domains";
import { amount, currency, customerId, orderId, paymentMethodToken, reason } from "./fields";

const paymentId = z.string().check(z.minLength(1), z.maxLength(128));

export const AuthorizePayment = defineCommand({
  name: "AuthorizePayment",
  handler: "payments.service",
  owner: "payments",
  source: sourceOf("orders", "workflow"),
  description: "Hold the order's amount on the customer's payment method.",
  flows: ["orchestration"],
  versions: [{ version: "1.0", schema: z.object({ orderId, customerId, amount, currency, paymentMethodToken }) }],
});

export const VoidPayment = defineCommand({
  name: "VoidPayment",
  handler: "payments.service",
  owner: "payments",
  source: sourceOf("orders", "workflow"),
  description: "Release an authorisation made for an order (compensation). Voiding nothing is a success.",
  flows: ["orchestration"],
  versions: [{ version: "1.0", schema: z.object({ orderId, reason }) }],
});

export const PaymentAuthorized = defineEvent({
  name: "PaymentAuthorized",
  owner: "payments",
  source: sourceOf("payments", "service"),
  description: "The order's amount is held on the customer's payment method.",
  flows: ["orchestration"],
  versions: [{ version: "1.0", schema: z.object({ orderId, authorizationId: paymentId, amount, currency }) }],
});

export const PaymentFailed = defineEvent({
  name: "PaymentFailed",
  owner: "payments",
  source: sourceOf("payments", "service"),
  description: "The payment provider declined to authorise or charge the order's amount.",
  flows: ["orchestration", "choreography"],
  versions: [
    {
      version: "1.0",
      schema: z.object({
        orderId,
        /** AUTHORIZATION_CANCELLED: the order's payment was voided while the provider was still deciding. */
        reason: z.enum(["CARD_DECLINED", "INSUFFICIENT_FUNDS", "PROVIDER_ERROR", "AUTHORIZATION_CANCELLED"]),
        detail: z.optional(reason),
        amount,
        currency,
      }),
    },
  ],
});

export const PaymentVoided = defineEvent({
  name: "PaymentVoided",
  owner: "payments",
  source: sourceOf("payments", "service"),
  description: "An order's authorisation is released, or there was none to release.",
  flows: ["orchestration"],
  versions: [
    {
      version: "1.0",
      schema: z.object({
        orderId,
        outcome: z.enum(["VOIDED", "ALREADY_VOIDED", "NOTHING_TO_VOID"]),
        authorizationId: z.optional(paymentId),
      }),
    },
  ],
});

export const PaymentCharged = defineEvent({
  name: "PaymentCharged",
  owner: "payments",
  source: sourceOf("payments", "service"),
  description: "The order's amount was charged to the customer (choreographed saga).",
  flows: ["choreography"],
  versions: [{ version: "1.0", schema: z.object({ orderId, paymentId, amount, currency }) }],
});
