import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** The AWS clients every operation is built from: real AWS, or the local runtime's endpoints. */
export interface OpsClients {
  dynamodb: DynamoDBDocumentClient;
  sfn: SFNClient;
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  lambda: LambdaClient;
  destroy(): void;
}

export interface ClientOptions {
  region?: string;
  /**
   * Endpoints of a local runtime (`.keel/endpoints.json`): DynamoDB on its own port, the other
   * services on the AWS API port. Absent: the SDK's defaults (credentials chain, region,
   * `AWS_ENDPOINT_URL_*`), that is real AWS.
   */
  endpoints?: { dynamodb: string; aws: string };
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export function opsClients(options: ClientOptions = {}): OpsClients {
  const common = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Operators' tools retry AWS throttling a little longer than the default 3 attempts.
    maxAttempts: 5,
  };
  const at = (endpoint: string | undefined) => (endpoint ? { endpoint } : {});
  const raw = new DynamoDBClient({ ...common, ...at(options.endpoints?.dynamodb) });
  const clients = {
    dynamodb: DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } }),
    sfn: new SFNClient({ ...common, ...at(options.endpoints?.aws) }),
    sqs: new SQSClient({ ...common, ...at(options.endpoints?.aws) }),
    eventBridge: new EventBridgeClient({ ...common, ...at(options.endpoints?.aws) }),
    lambda: new LambdaClient({ ...common, ...at(options.endpoints?.aws) }),
  };
  return {
    ...clients,
    destroy() {
      raw.destroy();
      clients.sfn.destroy();
      clients.sqs.destroy();
      clients.eventBridge.destroy();
      clients.lambda.destroy();
    },
  };
}
