import type { DataOf } from "@keel/contracts";
import { type AuthorizeRequest, decideAuthorize, type Payment, roundMoney } from "./payment";
import type { PaymentProvider, PaymentsRepository } from "./ports";

export type AuthorizeOutcome =
  | { event: "PaymentAuthorized"; data: DataOf<"PaymentAuthorized"> }
  | { event: "PaymentFailed"; data: DataOf<"PaymentFailed"> };

export interface AuthorizeDependencies {
  payments: PaymentsRepository;
  provider: PaymentProvider;
  now?: () => Date;
}

/**
 * Holds the order's amount on the customer's payment method, once per order. If the order's
 * payment is voided while the provider is still deciding, an approval that arrives afterwards is
 * released at once: no money stays held for an order that will not exist.
 */
export async function authorizePayment(
  command: AuthorizeRequest & { paymentMethodToken: string },
  deps: AuthorizeDependencies,
): Promise<AuthorizeOutcome> {
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const amount = roundMoney(command.amount);
  const failed = (reason: DataOf<"PaymentFailed">["reason"], detail?: string): AuthorizeOutcome => ({
    event: "PaymentFailed",
    data: { orderId: command.orderId, reason, amount, currency: command.currency, ...(detail ? { detail } : {}) },
  });
  const authorized = (authorizationId: string): AuthorizeOutcome => ({
    event: "PaymentAuthorized",
    data: { orderId: command.orderId, authorizationId, amount, currency: command.currency },
  });

  for (;;) {
    const existing = await deps.payments.get(command.tenantId, command.orderId);
    const decision = decideAuthorize(existing, command);
    switch (decision.kind) {
      case "already-authorized":
        return authorized(decision.authorizationId);
      case "already-declined":
        return failed(decision.reason);
      case "cancelled":
        return failed("AUTHORIZATION_CANCELLED", "the order's payment was voided before it was authorised");
      case "start": {
        const payment: Payment = {
          tenantId: command.tenantId,
          orderId: command.orderId,
          status: "AUTHORIZING",
          amount,
          currency: command.currency,
          customerId: command.customerId,
          authorizeCommandId: command.commandId,
          updatedAt: now(),
        };
        // Another command got there first: decide again from what it wrote.
        if (!(await deps.payments.create(payment))) continue;
        break;
      }
      case "ask-provider":
        break;
    }

    const answer = await deps.provider.authorize({
      idempotencyKey: command.commandId,
      customerId: command.customerId,
      paymentMethodToken: command.paymentMethodToken,
      amount,
      currency: command.currency,
    });
    const to = answer.approved
      ? ({ status: "AUTHORIZED", authorizationId: answer.authorizationId, updatedAt: now() } as const)
      : ({ status: "DECLINED", declineReason: answer.reason, updatedAt: now() } as const);
    if (await deps.payments.transition(command.tenantId, command.orderId, "AUTHORIZING", to)) {
      return answer.approved ? authorized(answer.authorizationId) : failed(answer.reason);
    }
    // Voided while the provider decided: release what it approved.
    if (answer.approved) await deps.provider.void(answer.authorizationId);
    return failed("AUTHORIZATION_CANCELLED", "the order's payment was voided while the provider was deciding");
  }
}
