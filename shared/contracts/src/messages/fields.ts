import * as z from "zod/mini";
import { pii, secret } from "../classification";

/** Field schemas shared by several messages. */

export const orderId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be 1-64 letters, digits, - or _"));
export const customerId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be 1-64 letters, digits, - or _"));
export const sku = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be 1-64 letters, digits, - or _"));
export const currency = z.string().check(z.regex(/^[A-Z]{3}$/, "must be an ISO 4217 code, e.g. AUD"));
export const amount = z.number().check(z.gte(0), z.lte(1_000_000_000));
export const quantity = z.int().check(z.gte(1), z.lte(10_000));
/** A tokenised payment instrument (never a card number): a secret all the same. */
export const paymentMethodToken = secret(z.string().check(z.minLength(1), z.maxLength(256)));
export const reason = z.string().check(z.minLength(1), z.maxLength(500));

export const orderLine = z.object({ sku, qty: quantity, unitPrice: amount });
export const orderLines = z.array(orderLine).check(z.minLength(1), z.maxLength(100));

export const stockLine = z.object({ sku, qty: quantity });
export const stockLines = z.array(stockLine).check(z.minLength(1), z.maxLength(100));

/** How to reach the customer about the order; personal data. */
export const contact = z.object({
  email: z.optional(pii(z.email())),
  phone: z.optional(pii(z.string().check(z.regex(/^\+[1-9][0-9]{6,14}$/, "must be E.164, e.g. +61400000000")))),
});

/** Why an order was rejected, as a stable code (the human-readable detail travels beside it). */
export const rejectionReason = z.enum([
  "FRAUD_SUSPECTED",
  "FRAUD_CHECK_UNAVAILABLE",
  "PAYMENT_DECLINED",
  "PAYMENT_TIMEOUT",
  "OUT_OF_STOCK",
  "INVENTORY_TIMEOUT",
  "PERSIST_FAILED",
  /** Another order of the tenant already has this order id; nothing was held for this one. */
  "DUPLICATE_ORDER_ID",
]);
