import type { EventEnvelope } from "@keel/contracts";
import type { OrderSummary } from "./order";

export type OrderStatus = "PENDING" | "CREATED" | "REJECTED";

export interface HistoryEntry {
  at: string;
  what: string;
  eventId?: string;
}

/** The order as GET /orders/{orderId} shows it. */
export interface OrderView {
  orderId: string;
  tenantId: string;
  status: OrderStatus;
  reason?: string;
  detail?: string;
  commandId: string;
  correlationId: string;
  customerId: string;
  currency: string;
  totalAmount: number;
  itemCount: number;
  acceptedAt: string;
  updatedAt: string;
  history: HistoryEntry[];
}

export function accepted(
  order: OrderSummary,
  command: { commandId: string; correlationId: string; occurredAt: string },
): OrderView {
  return {
    orderId: order.orderId,
    tenantId: order.tenantId,
    status: "PENDING",
    commandId: command.commandId,
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

export type OutcomeEvent =
  | (EventEnvelope<{ orderId: string }> & { meta: { eventName: "OrderCreated" } })
  | (EventEnvelope<{ orderId: string; reason: string; detail?: string }> & { meta: { eventName: "OrderRejected" } });

/**
 * The order after an outcome event — or unchanged when the event is about another command for
 * the same order id (a duplicate order id never overwrites the order that holds it), or already
 * applied.
 */
export function applyOutcome(view: OrderView, event: OutcomeEvent): OrderView {
  if (event.meta.causationId !== view.commandId) return view;
  if (view.history.some((entry) => entry.eventId === event.meta.eventId)) return view;
  const entry = { at: event.meta.occurredAt, what: event.meta.eventName, eventId: event.meta.eventId };
  const history = [...view.history, entry];
  if (event.meta.eventName === "OrderCreated") return { ...view, status: "CREATED", updatedAt: entry.at, history };
  // Nested discriminants do not narrow the union: this is the OrderRejected branch.
  const rejected = event.data as { reason: string; detail?: string };
  return {
    ...view,
    status: "REJECTED",
    reason: rejected.reason,
    ...(rejected.detail ? { detail: rejected.detail } : {}),
    updatedAt: entry.at,
    history,
  };
}

/** The view without internal fields, as the API answers it. */
export function publicView(view: OrderView) {
  const { tenantId: _tenant, ...rest } = view;
  return rest;
}
