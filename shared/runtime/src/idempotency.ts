import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { dynamoDBClient } from "./dynamodb";
import { env } from "./env";

/*
 * Powertools idempotency is reached through this module only: a handler without idempotency
 * leaves it out of its bundle, and with it the JMESPath engine and the DynamoDB persistence layer.
 */
export {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";

let store: DynamoDBPersistenceLayer | undefined;

/**
 * The idempotency records of this function: table IDEMPOTENCY_TABLE, keys prefixed with the function
 * name. A function has one idempotent operation (Powertools binds a layer to one configuration).
 */
export function idempotencyStore(): DynamoDBPersistenceLayer {
  store ??= new DynamoDBPersistenceLayer({ tableName: env("IDEMPOTENCY_TABLE"), awsSdkV3Client: dynamoDBClient() });
  return store;
}
