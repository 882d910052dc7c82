import type { DeclineReason, Payment, PaymentStatus } from "./payment";

/** The payments of orders, with the conditional writes that keep one payment per order consistent. */
export interface PaymentsRepository {
  get(tenantId: string, orderId: string): Promise<Payment | undefined>;
  /** Creates the payment; false when the order already has one. */
  create(payment: Payment): Promise<boolean>;
  /** Moves the payment from `from` to the fields of `to`; false when it is no longer in `from`. */
  transition(
    tenantId: string,
    orderId: string,
    from: PaymentStatus,
    to: Partial<Payment> & { status: PaymentStatus },
  ): Promise<boolean>;
}

export type ProviderDecision = { approved: true; authorizationId: string } | { approved: false; reason: DeclineReason };

/** The payment provider. It deduplicates on the idempotency key, as real providers do. */
export interface PaymentProvider {
  authorize(request: {
    idempotencyKey: string;
    customerId: string;
    paymentMethodToken: string;
    amount: number;
    currency: string;
  }): Promise<ProviderDecision>;
  void(authorizationId: string): Promise<void>;
}
