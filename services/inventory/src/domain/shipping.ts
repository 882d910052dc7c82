import { createHash } from "node:crypto";
import type { DataOf } from "@keel/contracts";

/**
 * The warehouse schedules shipment of an order's stock once the order exists. The tracking number
 * is derived from the order, so scheduling the same order again names the same shipment.
 */
export function trackingNumberFor(tenantId: string, orderId: string): string {
  return `TRK-${createHash("sha256").update(`${tenantId}#${orderId}`).digest("hex").slice(0, 12).toUpperCase()}`;
}

export function scheduleShipping(order: { tenantId: string; orderId: string }): {
  event: "ShippingScheduled";
  data: DataOf<"ShippingScheduled">;
} {
  return {
    event: "ShippingScheduled",
    data: { orderId: order.orderId, trackingNumber: trackingNumberFor(order.tenantId, order.orderId) },
  };
}
