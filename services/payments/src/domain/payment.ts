/**
 * A payment is the money an order holds on the customer's payment method. One per order:
 *
 *   (none) ──authorize──▶ AUTHORIZING ──provider approves──▶ AUTHORIZED ──void──▶ VOIDED
 *                              │       └─provider declines─▶ DECLINED
 *                              └──void (while the provider decides)──▶ VOIDED
 *   (none) ──void──▶ VOIDED (a tombstone: a later authorisation for the order is refused)
 */
export type PaymentStatus = "AUTHORIZING" | "AUTHORIZED" | "DECLINED" | "VOIDED";

export type DeclineReason = "CARD_DECLINED" | "INSUFFICIENT_FUNDS";

export interface Payment {
  tenantId: string;
  orderId: string;
  status: PaymentStatus;
  amount?: number;
  currency?: string;
  customerId?: string;
  authorizationId?: string;
  declineReason?: DeclineReason;
  /** The command that started the authorisation; a retry of it continues where it stopped. */
  authorizeCommandId?: string;
  updatedAt: string;
}

export interface AuthorizeRequest {
  tenantId: string;
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  commandId: string;
}

/** What an authorisation request should do, given the payment the order already has. */
export type AuthorizeDecision =
  | { kind: "start" }
  | { kind: "ask-provider" }
  | { kind: "already-authorized"; authorizationId: string }
  | { kind: "already-declined"; reason: DeclineReason }
  | { kind: "cancelled" };

export function decideAuthorize(existing: Payment | undefined, request: AuthorizeRequest): AuthorizeDecision {
  if (!existing) return { kind: "start" };
  switch (existing.status) {
    case "AUTHORIZING":
      // Only the command that started it may continue it (a retry after a crash).
      return existing.authorizeCommandId === request.commandId ? { kind: "ask-provider" } : { kind: "cancelled" };
    case "AUTHORIZED":
      return { kind: "already-authorized", authorizationId: existing.authorizationId ?? "" };
    case "DECLINED":
      return { kind: "already-declined", reason: existing.declineReason ?? "CARD_DECLINED" };
    case "VOIDED":
      return { kind: "cancelled" };
  }
}

export type VoidOutcome = "VOIDED" | "ALREADY_VOIDED" | "NOTHING_TO_VOID";

/** What a void should do, given the order's payment. */
export type VoidDecision =
  | { kind: "tombstone" }
  | { kind: "cancel-in-flight" }
  | { kind: "release"; authorizationId: string }
  | { kind: "done"; outcome: VoidOutcome };

export function decideVoid(existing: Payment | undefined): VoidDecision {
  if (!existing) return { kind: "tombstone" };
  switch (existing.status) {
    case "AUTHORIZING":
      return { kind: "cancel-in-flight" };
    case "AUTHORIZED":
      return { kind: "release", authorizationId: existing.authorizationId ?? "" };
    case "DECLINED":
      return { kind: "done", outcome: "NOTHING_TO_VOID" };
    case "VOIDED":
      return { kind: "done", outcome: "ALREADY_VOIDED" };
  }
}

/** Money adds up in cents: 3 × 19.95 is 59.85, not 59.849999999999994. */
export const roundMoney = (amount: number) => Math.round(amount * 100) / 100;
