import type { OrderSummary } from "./order";

/**
 * The fraud rules, deterministic so every path of the workflow can be taken on purpose:
 * customers on the deny list (`CUST-FRAUD`), orders above the automatic approval limit, and
 * unusual quantities of one SKU are refused.
 */
export const FRAUD_RULES = {
  denyList: ["CUST-FRAUD"],
  /** In any currency's units. */
  approvalLimit: 10_000,
  maxUnitsPerSku: 100,
} as const;

export type FraudDecision = { approved: true } | { approved: false; reason: string };

export function assessFraud(order: OrderSummary, rules = FRAUD_RULES): FraudDecision {
  if ((rules.denyList as readonly string[]).includes(order.customerId)) {
    return { approved: false, reason: "the customer is on the deny list" };
  }
  if (order.totalAmount > rules.approvalLimit) {
    return {
      approved: false,
      reason: `the total ${order.totalAmount} ${order.currency} is above the automatic approval limit`,
    };
  }
  const unusual = order.lines.find((line) => line.qty > rules.maxUnitsPerSku);
  if (unusual) return { approved: false, reason: `${unusual.qty} units of ${unusual.sku} is an unusual quantity` };
  return { approved: true };
}
