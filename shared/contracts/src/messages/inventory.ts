import * as z from "zod/mini";
import { defineCommand, defineEvent } from "../define";
import { sourceOf } from "../domains";
import { orderId, quantity, reason, sku, stockLines } from "./fields";

const reservationId = z.string().check(z.minLength(1), z.maxLength(128));

export const ReserveInventory = defineCommand({
  name: "ReserveInventory",
  handler: "inventory.service",
  owner: "inventory",
  source: sourceOf("orders", "workflow"),
  description: "Reserve stock for every line of an order, or for none of them.",
  flows: ["orchestration"],
  versions: [{ version: "1.0", schema: z.object({ orderId, lines: stockLines }) }],
});

export const ReleaseInventory = defineCommand({
  name: "ReleaseInventory",
  handler: "inventory.service",
  owner: "inventory",
  source: sourceOf("orders", "workflow"),
  description: "Return to stock what an order's reservation took (compensation). Releasing nothing is a success.",
  flows: ["orchestration"],
  versions: [{ version: "1.0", schema: z.object({ orderId, reason }) }],
});

export const InventoryReserved = defineEvent({
  name: "InventoryReserved",
  owner: "inventory",
  source: sourceOf("inventory", "service"),
  description: "Stock is reserved for every line of an order.",
  flows: ["orchestration", "choreography"],
  versions: [{ version: "1.0", schema: z.object({ orderId, reservationId, lines: stockLines }) }],
});

export const InventoryReservationFailed = defineEvent({
  name: "InventoryReservationFailed",
  owner: "inventory",
  source: sourceOf("inventory", "service"),
  description:
    "Stock could not be reserved for an order; nothing is held for it (the second write-up's InventoryFailed).",
  flows: ["orchestration", "choreography"],
  versions: [
    {
      version: "1.0",
      schema: z.object({
        orderId,
        /** RESERVATION_CANCELLED: the order's reservation was released before it could be made. */
        reason: z.enum(["OUT_OF_STOCK", "UNKNOWN_SKU", "RESERVATION_CANCELLED"]),
        detail: z.optional(reason),
        shortfall: z.optional(z.array(z.object({ sku, requested: quantity, available: z.int().check(z.gte(0)) }))),
      }),
    },
  ],
});

export const InventoryReleased = defineEvent({
  name: "InventoryReleased",
  owner: "inventory",
  source: sourceOf("inventory", "service"),
  description: "What an order's reservation took is back in stock, or there was nothing to release.",
  flows: ["orchestration", "choreography"],
  versions: [
    {
      version: "1.0",
      schema: z.object({
        orderId,
        outcome: z.enum(["RELEASED", "ALREADY_RELEASED", "NOTHING_TO_RELEASE"]),
        reservationId: z.optional(reservationId),
        lines: z.optional(stockLines),
      }),
    },
  ],
});

export const ShippingScheduled = defineEvent({
  name: "ShippingScheduled",
  owner: "inventory",
  source: sourceOf("inventory", "fulfilment"),
  description: "The warehouse scheduled shipment of an order's reserved stock, with a tracking number.",
  flows: ["orchestration", "choreography"],
  versions: [
    {
      version: "1.0",
      schema: z.object({
        orderId,
        trackingNumber: z.string().check(z.regex(/^TRK-[A-Z0-9]{8,}$/, "must be TRK- and at least 8 characters")),
      }),
    },
  ],
});
