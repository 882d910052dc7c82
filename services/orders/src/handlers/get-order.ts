import { fields } from "@keel/contracts";
import { badRequest, HttpProblem, type HttpRoute, httpHandler, identityOf } from "@keel/runtime";
import { real } from "../adapters/dependencies";
import type { OrdersRepository } from "../domain/ports";
import { publicView } from "../domain/read-model";

/** GET /orders/{orderId}: the order of the caller's tenant; another tenant's order does not exist. */
export const makeRoute =
  (orders: () => OrdersRepository = real.orders): HttpRoute =>
  async (event) => {
    const { tenantId } = identityOf(event);
    const orderId = event.pathParameters?.orderId ?? "";
    if (!fields.orderId.safeParse(orderId).success)
      throw badRequest("invalid-order-id", "the order id must be 1-64 letters, digits, - or _");
    const view = await orders().get(tenantId, orderId);
    if (!view) throw new HttpProblem(404, "order-not-found", "Not Found", `no order ${orderId}`);
    return { statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(publicView(view)) };
  };

export const handler = httpHandler(makeRoute());
