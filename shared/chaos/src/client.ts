import type { AcceptedOrder } from "./model";
import type { PlannedOrder } from "./plan";

export interface PlaceResult {
  accepted?: AcceptedOrder;
  /** Attempts the client made (a 5xx, a 409 or a network error is retried with the same key). */
  attempts: number;
  /** The last refusal, when the order was not accepted. */
  refusal?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A well-behaved client: sends the order with an Idempotency-Key and, when the answer is a server
 * error, a 409 (the first attempt is still being processed) or no answer, sends it again with the
 * same key — never without one.
 */
export async function placeOrder(
  http: string,
  token: string,
  tenantId: string,
  order: PlannedOrder,
  maxAttempts = 30,
): Promise<PlaceResult> {
  const path = order.flow === "orchestration" ? "/orders" : "/saga/orders";
  const body = JSON.stringify({
    customerId: order.customerId,
    currency: "AUD",
    paymentMethodToken: "tok_chaos",
    items: order.items,
    contact: { email: `customer-${order.index}@example.com` },
  });
  let refusal = "";
  for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
    try {
      const response = await fetch(`${http}${path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "idempotency-key": order.idempotencyKey,
        },
        body,
        signal: AbortSignal.timeout(60_000),
      });
      const text = await response.text();
      if (response.status === 202) {
        const { orderId } = JSON.parse(text) as { orderId: string };
        return {
          accepted: {
            tenantId,
            orderId,
            flow: order.flow,
            kind: order.kind,
            customerId: order.customerId,
            items: order.items,
          },
          attempts: attempt,
        };
      }
      refusal = `${response.status} ${text.slice(0, 200)}`;
      if (response.status < 500 && response.status !== 409) return { attempts: attempt, refusal };
    } catch (error) {
      refusal = (error as Error).message;
    }
    await sleep(Math.min(5000, 100 * 2 ** attempt));
  }
  return { attempts: maxAttempts, refusal };
}
