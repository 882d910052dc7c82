import type { DataOf } from "@keel/contracts";
import { type AuthorizeDependencies, authorizePayment } from "./authorize-payment";

/**
 * The saga's payment: the order's payment details arrive with OrderPlaced, the go-ahead with
 * InventoryReserved — in either order, each possibly twice. Whichever completes the pair charges,
 * with the same authorisation as AuthorizePayment, keyed on the order's OrderPlaced event: one
 * payment per order, however many times and in whatever order the events come.
 */
export interface PaymentIntent {
  tenantId: string;
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  paymentMethodToken: string;
  /** The OrderPlaced event: the charge's idempotency key. */
  placedEventId: string;
}

export interface SagaPayment {
  intent?: PaymentIntent;
  reservationId?: string;
}

export interface IntentsRepository {
  /** Records the order's payment details (first write wins) and returns what is known of the order. */
  recordIntent(intent: PaymentIntent): Promise<SagaPayment>;
  /** Records that the order's stock is reserved and returns what is known of the order. */
  recordReservation(tenantId: string, orderId: string, reservationId: string): Promise<SagaPayment>;
}

export type ChargeOutcome =
  | { event: "PaymentCharged"; data: DataOf<"PaymentCharged"> }
  | { event: "PaymentFailed"; data: DataOf<"PaymentFailed"> };

/** Charges when both halves are known; undefined while one is still missing. */
export async function chargeWhenReady(
  known: SagaPayment,
  deps: AuthorizeDependencies,
): Promise<ChargeOutcome | undefined> {
  const { intent } = known;
  if (!intent || !known.reservationId) return undefined;
  const outcome = await authorizePayment(
    {
      tenantId: intent.tenantId,
      orderId: intent.orderId,
      customerId: intent.customerId,
      amount: intent.amount,
      currency: intent.currency,
      paymentMethodToken: intent.paymentMethodToken,
      commandId: intent.placedEventId,
    },
    deps,
  );
  if (outcome.event === "PaymentFailed") return outcome;
  return {
    event: "PaymentCharged",
    data: {
      orderId: outcome.data.orderId,
      paymentId: outcome.data.authorizationId,
      amount: outcome.data.amount,
      currency: outcome.data.currency,
    },
  };
}
