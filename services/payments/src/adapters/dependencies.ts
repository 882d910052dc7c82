import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoDBClient, env } from "@keel/runtime";
import type { IntentsRepository } from "../domain/charge";
import type { PaymentProvider, PaymentsRepository } from "../domain/ports";
import { intentsTable } from "./intents-table";
import { paymentsTable } from "./payments-table";
import { simulatedProvider } from "./simulated-provider";

export interface PaymentsDependencies {
  payments: PaymentsRepository;
  provider: PaymentProvider;
  intents: IntentsRepository;
}

let real: PaymentsDependencies | undefined;

/** The real adapters, built once per execution environment from its configuration. */
export function paymentsDependencies(): PaymentsDependencies {
  if (!real) {
    const client = DynamoDBDocumentClient.from(dynamoDBClient(), { marshallOptions: { removeUndefinedValues: true } });
    real = {
      payments: paymentsTable(client, env("PAYMENTS_TABLE")),
      intents: intentsTable(client, env("PAYMENT_INTENTS_TABLE")),
      provider: simulatedProvider({
        client,
        ledgerTable: env("PROVIDER_LEDGER_TABLE"),
        slowMs: Number(env("SIMULATED_PROVIDER_SLOW_MS")),
      }),
    };
  }
  return real;
}
