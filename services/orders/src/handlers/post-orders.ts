import { createCommand } from "@keel/contracts";
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
import { newOrderId } from "../domain/order";
import { parseCreateOrderRequest } from "../domain/request";

/**
 * POST /orders: validates the order, stamps the command's ids, publishes CreateOrder to the command
 * bus and answers 202 with where to follow it. Tenant and user come from the token.
 */
export const makeRoute =
  (commandBus: () => Pick<BusPublisher, "publish"> = real.commandBus, attempts: FirstAttemptOptions = {}): HttpRoute =>
  async (event) => {
    const { tenantId, initiator } = identityOf(event);
    const correlationId = clientCorrelationId(event.headers);
    const request = parseCreateOrderRequest(event.body);
    if (!request.ok) throw invalidBody(request.issues);
    const value = request.value;
    // A retried request publishes what its first attempt did: the same order and command ids.
    const command = await firstAttempt(
      event,
      () =>
        createCommand(
          "CreateOrder",
          { ...value, orderId: value.orderId ?? newOrderId() },
          { tenantId, initiator, ...(correlationId ? { correlationId } : {}) },
        ),
      attempts,
    );
    const orderId = command.data.orderId;
    await commandBus().publish([command]);
    const statusUrl = `/orders/${encodeURIComponent(orderId)}`;
    return {
      statusCode: 202,
      headers: {
        "content-type": "application/json",
        location: statusUrl,
        "x-correlation-id": command.meta.correlationId,
      },
      body: JSON.stringify({
        commandId: command.meta.commandId,
        correlationId: command.meta.correlationId,
        orderId,
        status: "PENDING",
        statusUrl,
      }),
    };
  };

export const makeHandler = (
  commandBus?: () => Pick<BusPublisher, "publish">,
  idempotency: IdempotencyKeyOptions = {},
) => httpHandler(withIdempotencyKey(makeRoute(commandBus), idempotency), { jsonBody: true, maxBodyBytes: 64 * 1024 });

export const handler = makeHandler();
