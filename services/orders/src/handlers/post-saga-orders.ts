import { createEvent } from "@keel/contracts";
import {
  type BusPublisher,
  clientCorrelationId,
  type FirstAttemptOptions,
  firstAttempt,
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
  (eventBus: () => Pick<BusPublisher, "publish"> = real.eventBus, attempts: FirstAttemptOptions = {}): HttpRoute =>
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
    const value = request.value;
    // A retried request publishes what its first attempt did: the same order id and event id.
    const placedEvent = await firstAttempt(
      event,
      () => {
        const orderId = newOrderId();
        const order = summarize(tenantId, { ...value, orderId });
        return createEvent(
          "OrderPlaced",
          {
            orderId,
            customerId: value.customerId,
            currency: value.currency,
            items: value.items,
            totalAmount: order.totalAmount,
            paymentMethodToken: value.paymentMethodToken,
            ...(value.contact ? { contact: value.contact } : {}),
          },
          { tenantId, ...(correlationId ? { correlationId } : {}) },
        );
      },
      attempts,
    );
    const orderId = placedEvent.data.orderId;
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
