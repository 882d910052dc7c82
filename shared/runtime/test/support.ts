import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { type LocalDynamoDB, startDynamoDB } from "@keel/local";
import type { Context } from "aws-lambda";

/** dynalite with one Powertools idempotency table: the real DynamoDB API, in memory. */
export async function idempotencyTable(): Promise<{ dynamo: LocalDynamoDB; store: () => DynamoDBPersistenceLayer }> {
  const dynamo = await startDynamoDB(
    [
      {
        service: "test",
        logicalId: "IdempotencyTable",
        name: "idempotency",
        createTable: {
          TableName: "idempotency",
          BillingMode: "PAY_PER_REQUEST",
          AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        },
      },
    ],
    { region: "us-east-1" },
  );
  // Powertools binds a layer to the first configuration that uses it: one layer per handler, as in Lambda.
  return {
    dynamo,
    store: () => new DynamoDBPersistenceLayer({ tableName: "idempotency", awsSdkV3Client: dynamo.client }),
  };
}

export function lambdaContext(functionName = "test-function"): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: crypto.randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "test",
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
