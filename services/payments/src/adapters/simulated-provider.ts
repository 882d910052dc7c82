import { createHash } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { PaymentProvider, ProviderDecision } from "../domain/ports";

/** The provider did not answer; a retry may succeed. */
export class ProviderUnavailableError extends Error {
  override readonly name = "ProviderUnavailableError";
}

/**
 * Who the simulated provider declines or keeps waiting, so that every path of the workflow can be
 * taken on purpose. Anyone else is approved.
 */
export const SIMULATED_CUSTOMERS = {
  /** Declined: card declined (the second write-up's trigger). */
  decline: "CUST-DECLINE",
  /** Declined: insufficient funds. */
  noFunds: "CUST-NOFUNDS",
  /** Approved, but only after the configured delay (longer than the workflow waits). */
  slow: "CUST-SLOW",
} as const;
/** A payment method the provider cannot reach: every attempt fails as unavailable. */
export const UNAVAILABLE_TOKEN = "tok_unavailable";

export interface SimulatedProviderOptions {
  client: DynamoDBDocumentClient;
  /** The provider's own record of holds, by authorisation id: it stands in for the provider's side. */
  ledgerTable: string;
  slowMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/** The authorisation id the provider gives an idempotency key: the same key always gets the same hold. */
export const authorizationIdFor = (idempotencyKey: string) =>
  `auth_${createHash("sha256").update(idempotencyKey).digest("hex").slice(0, 24)}`;

/**
 * A deterministic stand-in for a card payment provider. Approved holds are written to its ledger
 * under an id derived from the idempotency key, so a repeated request returns the same hold and
 * never holds the money twice.
 */
export function simulatedProvider(options: SimulatedProviderOptions): PaymentProvider {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  return {
    async authorize(request): Promise<ProviderDecision> {
      if (request.paymentMethodToken === UNAVAILABLE_TOKEN)
        throw new ProviderUnavailableError("the payment provider did not answer");
      if (request.customerId === SIMULATED_CUSTOMERS.decline) return { approved: false, reason: "CARD_DECLINED" };
      if (request.customerId === SIMULATED_CUSTOMERS.noFunds) return { approved: false, reason: "INSUFFICIENT_FUNDS" };
      if (request.customerId === SIMULATED_CUSTOMERS.slow) await sleep(options.slowMs);
      const authorizationId = authorizationIdFor(request.idempotencyKey);
      try {
        await options.client.send(
          new PutCommand({
            TableName: options.ledgerTable,
            Item: {
              authorizationId,
              idempotencyKey: request.idempotencyKey,
              customerId: request.customerId,
              amount: request.amount,
              currency: request.currency,
              status: "HELD",
              heldAt: new Date().toISOString(),
            },
            ConditionExpression: "attribute_not_exists(authorizationId)",
          }),
        );
      } catch (error) {
        if (
          !(
            error instanceof ConditionalCheckFailedException ||
            (error as Error).name === "ConditionalCheckFailedException"
          )
        )
          throw error;
      }
      return { approved: true, authorizationId };
    },

    async void(authorizationId) {
      await options.client.send(
        new UpdateCommand({
          TableName: options.ledgerTable,
          Key: { authorizationId },
          UpdateExpression: "SET #status = :voided, voidedAt = if_not_exists(voidedAt, :now)",
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":voided": "VOIDED", ":now": new Date().toISOString() },
        }),
      );
    },
  };
}
