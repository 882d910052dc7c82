import type { DataOf } from "@keel/contracts";

/**
 * The text of every notification, rendered from the event's data alone. Subjects carry the order
 * id and never personal data (they show in mailbox lists and previews, and providers log them);
 * bodies are short enough to go out as an SMS as well as an email.
 */
export type RenderInput =
  | { template: "order-created"; data: DataOf<"OrderCreated"> }
  | { template: "order-rejected"; data: DataOf<"OrderRejected"> }
  | {
      template: "payment-failed";
      data: DataOf<"PaymentFailed">;
      /** Where operations look the conversation up (the audit trail is keyed by correlation id). */
      trace: { correlationId: string; tenantId?: string };
    };

export interface Rendered {
  subject: string;
  body: string;
}

type RejectionReason = DataOf<"OrderRejected">["reason"];
type PaymentFailure = DataOf<"PaymentFailed">["reason"];

/** Why an order was rejected, in words a customer can act on (a fraud suspicion is not named as such). */
export const REJECTION_REASONS: Readonly<Record<RejectionReason, string>> = {
  FRAUD_SUSPECTED: "we could not verify the order's payment details",
  FRAUD_CHECK_UNAVAILABLE: "we could not complete our security checks in time",
  PAYMENT_DECLINED: "your payment was declined",
  PAYMENT_TIMEOUT: "your payment could not be confirmed in time",
  OUT_OF_STOCK: "some of the items are out of stock",
  INVENTORY_TIMEOUT: "we could not confirm the items were in stock in time",
  PERSIST_FAILED: "of a problem on our side",
  DUPLICATE_ORDER_ID: "it repeats an order we had already received under the same number (that order is not affected)",
};

export const PAYMENT_FAILURES: Readonly<Record<PaymentFailure, string>> = {
  CARD_DECLINED: "the card was declined",
  INSUFFICIENT_FUNDS: "insufficient funds",
  PROVIDER_ERROR: "the payment provider reported an error",
  AUTHORIZATION_CANCELLED: "the authorisation was cancelled: the order's payment was voided first",
};

/** An amount with its currency's own number of decimals: `AUD 1,119.85`, `JPY 1,200`. */
export function formatMoney(amount: number, currency: string): string {
  const { maximumFractionDigits } = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions();
  const digits = { minimumFractionDigits: maximumFractionDigits, maximumFractionDigits };
  return `${currency} ${amount.toLocaleString("en", digits)}`;
}

export function render(input: RenderInput): Rendered {
  switch (input.template) {
    case "order-created": {
      const { orderId, totalAmount, currency } = input.data;
      return {
        subject: `Your order ${orderId} is confirmed`,
        body:
          `Thank you for your order ${orderId}. Your payment of ${formatMoney(totalAmount, currency)} is ` +
          "authorised and your items are reserved. We will let you know when they ship.",
      };
    }
    case "order-rejected": {
      const { orderId, reason } = input.data;
      return {
        subject: `Your order ${orderId} could not be completed`,
        body:
          `We are sorry: your order ${orderId} could not be completed because ${REJECTION_REASONS[reason]}. ` +
          "Anything held for it on your payment method has been released.",
      };
    }
    case "payment-failed": {
      const { orderId, reason, detail, amount, currency } = input.data;
      return {
        subject: `Payment failed for order ${orderId}: ${reason}`,
        body: [
          `The payment of order ${orderId} was refused: ${PAYMENT_FAILURES[reason]} (${reason}).`,
          ...(detail ? [`Detail: ${detail}`] : []),
          `Amount: ${formatMoney(amount, currency)}`,
          `Tenant: ${input.trace.tenantId ?? "unknown"}`,
          `Correlation id: ${input.trace.correlationId} (the whole conversation, in the audit trail)`,
        ].join("\n"),
      };
    }
  }
}
