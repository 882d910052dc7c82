import type { DataOf } from "@keel/contracts";
import { decideVoid } from "./payment";
import type { PaymentProvider, PaymentsRepository } from "./ports";

export interface VoidDependencies {
  payments: PaymentsRepository;
  provider: PaymentProvider;
  now?: () => Date;
}

/**
 * Releases whatever the order's payment holds. Voiding an unknown or already voided payment is a
 * success that changes nothing — except that an order voided before it was ever authorised can
 * no longer be authorised (the workflow gave up on it).
 */
export async function voidPayment(
  command: { tenantId: string; orderId: string },
  deps: VoidDependencies,
): Promise<{ event: "PaymentVoided"; data: DataOf<"PaymentVoided"> }> {
  const now = () => (deps.now?.() ?? new Date()).toISOString();
  const voided = (outcome: DataOf<"PaymentVoided">["outcome"], authorizationId?: string) => ({
    event: "PaymentVoided" as const,
    data: { orderId: command.orderId, outcome, ...(authorizationId ? { authorizationId } : {}) },
  });

  for (;;) {
    const existing = await deps.payments.get(command.tenantId, command.orderId);
    const decision = decideVoid(existing);
    switch (decision.kind) {
      case "done":
        return voided(decision.outcome, existing?.authorizationId);
      case "tombstone": {
        const created = await deps.payments.create({
          tenantId: command.tenantId,
          orderId: command.orderId,
          status: "VOIDED",
          updatedAt: now(),
        });
        if (created) return voided("NOTHING_TO_VOID");
        continue;
      }
      case "cancel-in-flight":
        if (
          await deps.payments.transition(command.tenantId, command.orderId, "AUTHORIZING", {
            status: "VOIDED",
            updatedAt: now(),
          })
        ) {
          return voided("NOTHING_TO_VOID");
        }
        continue;
      case "release":
        await deps.provider.void(decision.authorizationId);
        if (
          await deps.payments.transition(command.tenantId, command.orderId, "AUTHORIZED", {
            status: "VOIDED",
            updatedAt: now(),
          })
        ) {
          return voided("VOIDED", decision.authorizationId);
        }
        continue;
    }
  }
}
