import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { tracer } from "./powertools";

let dynamoDB: DynamoDBClient | undefined;

/** The DynamoDB client of this environment (endpoint and region from the standard AWS variables). */
export function dynamoDBClient(): DynamoDBClient {
  dynamoDB ??= tracer.captureAWSv3Client(new DynamoDBClient({}));
  return dynamoDB;
}
