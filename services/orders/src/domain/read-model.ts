import type { DataOf, EventEnvelope } from "@keel/contracts";
import type { OrderSummary } from "./order";

/** How the order travels: the CreateOrder workflow, or the choreographed saga. */
export type Flow = "orchestration" | "choreography";

/**
 * Orchestration: PENDING → CREATED | REJECTED, then SHIPPING_SCHEDULED.
 * Choreography (the second write-up's statuses): PENDING → CREATED → SHIPPING_SCHEDULED, or
 * INVENTORY_FAILED (no stock) / INVENTORY_RELEASED (payment failed, reservation given back).
 */
export type OrderStatus =
  | "PENDING"
  | "CREATED"
  | "REJECTED"
  | "SHIPPING_SCHEDULED"
  | "INVENTORY_FAILED"
  | "INVENTORY_RELEASED";

export interface HistoryEntry {
  at: string;
  what: string;
  eventId?: string;
}

export interface OrderView {
  orderId: string;
  tenantId: string;
  flow: Flow;
  status: OrderStatus;
  reason?: string;
  detail?: string;
  trackingNumber?: string;
  /** The message that started the order: the CreateOrder command, or the OrderPlaced event. */
  startedBy: string;
  correlationId: string;
  customerId: string;
  currency: string;
  totalAmount: number;
  itemCount: number;
  acceptedAt: string;
  updatedAt: string;
  history: HistoryEntry[];
  /** The saga's: how to tell the customer (personal data; never in the API's answer). */
  contact?: DataOf<"OrderPlaced">["contact"];
  /** The saga's: the event that concluded it, and the outcome event that concluded it, kept to publish it again unchanged. */
  concludedBy?: string;
  conclusion?: EventEnvelope;
}

export function accepted(
  order: OrderSummary,
  command: { commandId: string; correlationId: string; occurredAt: string },
): OrderView {
  return {
    orderId: order.orderId,
    tenantId: order.tenantId,
    flow: "orchestration",
    status: "PENDING",
    startedBy: command.commandId,
    correlationId: command.correlationId,
    customerId: order.customerId,
    currency: order.currency,
    totalAmount: order.totalAmount,
    itemCount: order.itemCount,
    acceptedAt: command.occurredAt,
    updatedAt: command.occurredAt,
    history: [{ at: command.occurredAt, what: "accepted" }],
  };
}

export function placed(event: EventEnvelope<DataOf<"OrderPlaced">>): OrderView {
  const { meta, data } = event;
  return {
    orderId: data.orderId,
    tenantId: meta.tenantId ?? "unknown",
    flow: "choreography",
    status: "PENDING",
    startedBy: meta.eventId,
    correlationId: meta.correlationId,
    customerId: data.customerId,
    currency: data.currency,
    totalAmount: data.totalAmount,
    itemCount: data.items.reduce((sum, item) => sum + item.qty, 0),
    acceptedAt: meta.occurredAt,
    updatedAt: meta.occurredAt,
    history: [{ at: meta.occurredAt, what: "OrderPlaced", eventId: meta.eventId }],
    ...(data.contact ? { contact: data.contact } : {}),
  };
}

type Envelope<N extends string, D> = EventEnvelope<D> & { meta: { eventName: N } };

export type OutcomeEvent =
  | Envelope<"OrderCreated", DataOf<"OrderCreated">>
  | Envelope<"OrderRejected", DataOf<"OrderRejected">>
  | Envelope<"ShippingScheduled", DataOf<"ShippingScheduled">>;

/** Whether the event belongs to this order (and not to another order that reused its id). */
function belongs(view: OrderView, event: OutcomeEvent): boolean {
  if (event.meta.eventName === "ShippingScheduled") return true;
  return view.flow === "orchestration"
    ? event.meta.causationId === view.startedBy
    : event.meta.eventId === view.conclusion?.meta.eventId;
}

/** How far a successful order has come: statuses never move back (events may arrive out of order). */
const PROGRESS: Partial<Record<OrderStatus, number>> = { PENDING: 0, CREATED: 1, SHIPPING_SCHEDULED: 2 };
const ahead = (status: OrderStatus, than: OrderStatus) => (PROGRESS[status] ?? -1) > (PROGRESS[than] ?? 99);

/**
 * The order after an outcome event: unchanged when the event belongs to another order with the same
 * id, or was already applied. Reordered events leave the same result: a scheduled shipment seen
 * before its OrderCreated is not undone by it. A saga's OrderRejected keeps its INVENTORY_* status.
 */
export function applyOutcome(view: OrderView, event: OutcomeEvent): OrderView {
  if (!belongs(view, event) || view.history.some((entry) => entry.eventId === event.meta.eventId)) return view;
  const entry = { at: event.meta.occurredAt, what: event.meta.eventName, eventId: event.meta.eventId };
  const base = { ...view, updatedAt: entry.at, history: [...view.history, entry] };
  switch (event.meta.eventName) {
    case "OrderCreated":
      return ahead("CREATED", view.status) ? { ...base, status: "CREATED" } : base;
    case "OrderRejected": {
      if (view.flow === "choreography") return base;
      const rejected = event.data as DataOf<"OrderRejected">;
      return {
        ...base,
        status: "REJECTED",
        reason: rejected.reason,
        ...(rejected.detail ? { detail: rejected.detail } : {}),
      };
    }
    case "ShippingScheduled": {
      if (!ahead("SHIPPING_SCHEDULED", view.status)) return view;
      return {
        ...base,
        status: "SHIPPING_SCHEDULED",
        trackingNumber: (event.data as DataOf<"ShippingScheduled">).trackingNumber,
      };
    }
  }
}

/** The view without internal fields, as the API answers it. */
export function publicView(view: OrderView) {
  const { tenantId: _tenant, contact: _contact, conclusion: _conclusion, concludedBy: _by, ...rest } = view;
  return rest;
}
