import { createHash } from "node:crypto";
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { dynamoDBClient } from "./dynamodb";
import { env } from "./env";
import { identityOf } from "./identity";
import { HttpProblem } from "./problems";

export interface FirstAttemptOptions {
  client?: () => DynamoDBClient;
  /** The function's idempotency table (IDEMPOTENCY_TABLE): the same keys live as long. */
  tableName?: () => string;
  expiresAfterSeconds?: number;
  now?: () => number;
}

/**
 * What a request with an Idempotency-Key publishes, fixed by its first attempt: `make` builds it
 * (ids, timestamps) and the first attempt stores it, conditionally, beside the function's
 * idempotency records; every later attempt with the same tenant and key gets the stored value
 * back. An attempt that published and then timed out before Powertools kept its response is
 * therefore re-run with the same messages (same command and event ids), which consumers and
 * Step Functions execution names deduplicate — never a second order.
 *
 * Without an Idempotency-Key it is `make()`. A stored value made for another body is refused as
 * Powertools refuses a reused key (422).
 */
export async function firstAttempt<T>(
  event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, "headers" | "requestContext"> & { body?: unknown },
  make: () => T,
  options: FirstAttemptOptions = {},
): Promise<T> {
  const key = event.headers?.["idempotency-key"];
  if (key === undefined) return make();
  const { tenantId } = identityOf(event);
  const client = (options.client ?? dynamoDBClient)();
  const tableName = options.tableName?.() ?? env("IDEMPOTENCY_TABLE");
  const now = Math.floor((options.now?.() ?? Date.now()) / 1000);
  const id = `${process.env.AWS_LAMBDA_FUNCTION_NAME ?? "function"}#first-attempt#${tenantId}#${key}`;
  const fingerprint = createHash("sha256")
    .update(typeof event.body === "string" ? event.body : JSON.stringify(event.body ?? null))
    .digest("hex");
  const value = make();
  try {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: {
          id: { S: id },
          value: { S: JSON.stringify(value) },
          fingerprint: { S: fingerprint },
          expiration: { N: String(now + (options.expiresAfterSeconds ?? 24 * 3600)) },
        },
        // An expired item TTL has not removed yet counts as absent, as Powertools' records do.
        ConditionExpression: "attribute_not_exists(id) OR expiration < :now",
        ExpressionAttributeValues: { ":now": { N: String(now) } },
      }),
    );
    return value;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
  const stored = await client.send(
    new GetItemCommand({ TableName: tableName, Key: { id: { S: id } }, ConsistentRead: true }),
  );
  const item = stored.Item;
  if (!item?.value?.S) throw new Error(`the first attempt of ${id} vanished`);
  if (item.fingerprint?.S !== fingerprint) {
    throw new HttpProblem(
      422,
      "idempotency-key-reused",
      "Unprocessable Content",
      "this Idempotency-Key was already used with a different request body",
    );
  }
  return JSON.parse(item.value.S) as T;
}
