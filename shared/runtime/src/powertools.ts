import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import { Logger } from "@aws-lambda-powertools/logger";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { env } from "./env";
import { redactingReplacer } from "./redaction";

/**
 * Powertools, set up once per execution environment. The service name and log level come from
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL (set in each serverless.yml); personal data and
 * secrets are masked in every line.
 */
export const logger = new Logger({ jsonReplacerFn: redactingReplacer });
export const tracer = new Tracer();

let dynamoDB: DynamoDBClient | undefined;
let eventBridge: EventBridgeClient | undefined;

/** The DynamoDB client of this environment (endpoint and region from the standard AWS variables). */
export function dynamoDBClient(): DynamoDBClient {
  dynamoDB ??= tracer.captureAWSv3Client(new DynamoDBClient({}));
  return dynamoDB;
}

export function eventBridgeClient(): EventBridgeClient {
  eventBridge ??= tracer.captureAWSv3Client(new EventBridgeClient({}));
  return eventBridge;
}

let store: DynamoDBPersistenceLayer | undefined;

/**
 * The idempotency records of this function: table IDEMPOTENCY_TABLE, keys prefixed with the function
 * name. A function has one idempotent operation (Powertools binds a layer to one configuration).
 */
export function idempotencyStore(): DynamoDBPersistenceLayer {
  store ??= new DynamoDBPersistenceLayer({ tableName: env("IDEMPOTENCY_TABLE"), awsSdkV3Client: dynamoDBClient() });
  return store;
}
