import type { IntentsRepository, SagaPayment } from "../src/domain/charge";
import type { Payment, PaymentStatus } from "../src/domain/payment";
import type { PaymentProvider, PaymentsRepository, ProviderDecision } from "../src/domain/ports";

/** Payments in memory, with the same conditional semantics as the DynamoDB adapter. */
export function memoryPayments(): PaymentsRepository & { items: Map<string, Payment> } {
  const items = new Map<string, Payment>();
  const key = (tenantId: string, orderId: string) => `${tenantId}#${orderId}`;
  return {
    items,
    get: async (tenantId, orderId) => {
      const found = items.get(key(tenantId, orderId));
      return found ? { ...found } : undefined;
    },
    create: async (payment) => {
      if (items.has(key(payment.tenantId, payment.orderId))) return false;
      items.set(key(payment.tenantId, payment.orderId), { ...payment });
      return true;
    },
    transition: async (tenantId, orderId, from: PaymentStatus, to) => {
      const current = items.get(key(tenantId, orderId));
      if (current?.status !== from) return false;
      items.set(key(tenantId, orderId), { ...current, ...to });
      return true;
    },
  };
}

/** A provider that answers as told and remembers what it held and released. */
export function scriptedProvider(answer: (customerId: string) => ProviderDecision | Promise<ProviderDecision>) {
  const held: string[] = [];
  const voided: string[] = [];
  const provider: PaymentProvider = {
    authorize: async (request) => {
      const decision = await answer(request.customerId);
      if (decision.approved) held.push(decision.authorizationId);
      return decision;
    },
    void: async (authorizationId) => void voided.push(authorizationId),
  };
  return { provider, held, voided };
}

/** The saga's payment halves in memory: each half is kept from its first write, like the adapter. */
export function memoryIntents(): IntentsRepository & { items: Map<string, SagaPayment> } {
  const items = new Map<string, SagaPayment>();
  const update = (key: string, change: SagaPayment) => {
    const current = items.get(key) ?? {};
    const next = { ...change, ...current };
    items.set(key, next);
    return { ...next };
  };
  return {
    items,
    recordIntent: async (intent) => update(`${intent.tenantId}#${intent.orderId}`, { intent }),
    recordReservation: async (tenantId, orderId, reservationId) => update(`${tenantId}#${orderId}`, { reservationId }),
  };
}
