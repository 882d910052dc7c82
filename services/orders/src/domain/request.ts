import { type ContractIssue, fields, toContractIssues } from "@keel/contracts";
import * as z from "zod/mini";
import { summarize } from "./order";

/**
 * The body of POST /orders: the CreateOrder command's data, with `orderId` optional (generated
 * when absent). Stricter than the message contract on purpose: a field the API does not know is
 * refused rather than silently dropped, so a client's typo never passes unnoticed.
 */
export const createOrderRequest = z
  .strictObject({
    orderId: z.optional(fields.orderId),
    customerId: fields.customerId,
    currency: fields.currency,
    items: z
      .array(z.strictObject({ sku: fields.sku, qty: fields.quantity, unitPrice: fields.amount }))
      .check(z.minLength(1), z.maxLength(100)),
    paymentMethodToken: fields.paymentMethodToken,
    contact: z.optional(
      z.strictObject({ email: z.optional(z.email()), phone: z.optional(fields.contact.shape.phone) }),
    ),
  })
  .check(
    // What the messages carry must fit their contracts too: the total as one amount, and each SKU's
    // quantity summed over its lines as one quantity.
    z.refine((order) => fields.amount.safeParse(summarize("", { ...order, orderId: "" }).totalAmount).success, {
      message: "the order's total is above the largest amount accepted",
      path: ["items"],
    }),
    z.refine(
      (order) =>
        summarize("", { ...order, orderId: "" }).lines.every((line) => fields.quantity.safeParse(line.qty).success),
      {
        message: "a SKU's quantity over all its lines is above the largest quantity accepted",
        path: ["items"],
      },
    ),
  );

export type CreateOrderRequest = z.infer<typeof createOrderRequest>;

export function parseCreateOrderRequest(
  body: unknown,
): { ok: true; value: CreateOrderRequest } | { ok: false; issues: ContractIssue[] } {
  const result = createOrderRequest.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: toContractIssues(result.error, body) };
}
