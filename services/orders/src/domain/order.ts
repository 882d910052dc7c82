import type { DataOf } from "@keel/contracts";
import { ulid } from "ulid";

export type CreateOrderData = DataOf<"CreateOrder">;

/** What the workflow needs to know about an order, computed once from the CreateOrder command. */
export interface OrderSummary {
  tenantId: string;
  orderId: string;
  customerId: string;
  currency: string;
  /** In the currency's units, summed in cents. */
  totalAmount: number;
  /** One line per SKU (quantities of repeated SKUs added up). */
  lines: Array<{ sku: string; qty: number }>;
  itemCount: number;
}

const cents = (amount: number) => Math.round(amount * 100);

export function summarize(tenantId: string, data: CreateOrderData): OrderSummary {
  const quantities = new Map<string, number>();
  let totalCents = 0;
  for (const item of data.items) {
    quantities.set(item.sku, (quantities.get(item.sku) ?? 0) + item.qty);
    totalCents += item.qty * cents(item.unitPrice);
  }
  return {
    tenantId,
    orderId: data.orderId,
    customerId: data.customerId,
    currency: data.currency,
    totalAmount: totalCents / 100,
    lines: [...quantities].map(([sku, qty]) => ({ sku, qty })),
    itemCount: data.items.reduce((sum, item) => sum + item.qty, 0),
  };
}

/** An order id for an order whose client brought none: sortable by time, like the message ids. */
export const newOrderId = () => `ORD-${ulid()}`;
