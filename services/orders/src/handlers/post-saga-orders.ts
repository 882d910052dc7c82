import { createEvent } from "@keel/contracts";
import {
  type BusPublisher,
  clientCorrelationId,
  type HttpRoute,
  httpHandler,
  type IdempotencyKeyOptions,
  identityOf,
  invalidBody,
  withIdempotencyKey,
} from "@keel/runtime";
import { real } from "../adapters/dependencies";
import { newOrderId, summarize } from "../domain/order";
import { parseCreateOrderRequest } from "../domain/request";

/**
 * POST /saga/orders: the choreographed flow. Publishes one fact, OrderPlaced, and answers 202 —
 * nothing is written before it, so no crash between two writes can lose an order; everything else
 * is a reaction to it. The order id is always generated (one order per id, by construction).
 */
export const makeRoute =
  (eventBus: () => Pick<BusPublisher, "publish"> = real.eventBus): HttpRoute =>
  async (event) => {
    const { tenantId } = identityOf(event);
    const correlationId = clientCorrelationId(event.headers);
    const request = parseCreateOrderRequest(event.body);
    if (!request.ok) throw invalidBody(request.issues);
    if (request.value.orderId !== undefined) {
      throw invalidBody([
        { path: "orderId", message: "is generated for orders placed through the saga; leave it out" },
      ]);
    }
    const orderId = newOrderId();
    const order = summarize(tenantId, { ...request.value, orderId });
    const placedEvent = createEvent(
      "OrderPlaced",
      {
        orderId,
        customerId: request.value.customerId,
        currency: request.value.currency,
        items: request.value.items,
        totalAmount: order.totalAmount,
        paymentMethodToken: request.value.paymentMethodToken,
        ...(request.value.contact ? { contact: request.value.contact } : {}),
      },
      { tenantId, ...(correlationId ? { correlationId } : {}) },
    );
    await eventBus().publish([placedEvent]);
    const statusUrl = `/orders/${encodeURIComponent(orderId)}`;
    return {
      statusCode: 202,
      headers: {
        "content-type": "application/json",
        location: statusUrl,
        "x-correlation-id": placedEvent.meta.correlationId,
      },
      body: JSON.stringify({
        eventId: placedEvent.meta.eventId,
        correlationId: placedEvent.meta.correlationId,
        orderId,
        status: "PENDING",
        statusUrl,
      }),
    };
  };

export const makeHandler = (eventBus?: () => Pick<BusPublisher, "publish">, idempotency: IdempotencyKeyOptions = {}) =>
  httpHandler(withIdempotencyKey(makeRoute(eventBus), idempotency), { jsonBody: true, maxBodyBytes: 64 * 1024 });

export const handler = makeHandler();
