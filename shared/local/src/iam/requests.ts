import type { AuthorizationRequest } from "@keel/iam";

/**
 * The IAM authorization requests an AWS API call makes, per the Service Authorization Reference:
 * which action, on which resource ARN, with which service condition keys. A call touching several
 * resources (a batch, a transaction, PutEvents with several entries) makes one request per resource.
 */

export type AwsService = "dynamodb" | "events" | "states" | "sqs" | "lambda" | "ses" | "sns";

export interface Account {
  region: string;
  accountId: string;
}

type Input = Record<string, unknown>;

const arn = (account: Account, service: string, resource: string) =>
  `arn:aws:${service}:${account.region}:${account.accountId}:${resource}`;

const tableArn = (account: Account, name: unknown) => {
  const text = String(name ?? "");
  return text.startsWith("arn:") ? text : arn(account, "dynamodb", `table/${text}`);
};

const busArn = (account: Account, name: unknown) => {
  const text = String(name ?? "default") || "default";
  return text.startsWith("arn:") ? text : arn(account, "events", `event-bus/${text}`);
};

/** A queue URL (`http://host/<account>/<name>`) or name to its ARN. */
const queueArn = (account: Account, urlOrName: unknown) => {
  const text = String(urlOrName ?? "");
  if (text.startsWith("arn:")) return text;
  const name = text.split("/").filter(Boolean).pop() ?? text;
  return arn(account, "sqs", name);
};

const functionArn = (account: Account, nameOrArn: string) => {
  if (nameOrArn.startsWith("arn:")) {
    const parts = nameOrArn.split(":");
    return parts.slice(0, 7).join(":");
  }
  const [name] = nameOrArn.split(":");
  return arn(account, "lambda", `function:${name}`);
};

const TRANSACT_WRITE_ACTIONS: Record<string, string> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
};

function dynamodb(operation: string, input: Input, account: Account): AuthorizationRequest[] {
  switch (operation) {
    case "BatchGetItem":
    case "BatchWriteItem":
      return Object.keys((input.RequestItems ?? {}) as Input).map((table) => ({
        action: `dynamodb:${operation}`,
        resource: tableArn(account, table),
      }));
    case "TransactWriteItems":
      return ((input.TransactItems ?? []) as Input[]).flatMap((item) =>
        Object.entries(item).map(([kind, request]) => ({
          action: TRANSACT_WRITE_ACTIONS[kind] ?? `dynamodb:${kind}`,
          resource: tableArn(account, (request as Input).TableName),
        })),
      );
    case "TransactGetItems":
      return ((input.TransactItems ?? []) as Input[]).map((item) => ({
        action: "dynamodb:GetItem",
        resource: tableArn(account, (item.Get as Input | undefined)?.TableName),
      }));
    case "ListTables":
    case "DescribeLimits":
    case "DescribeEndpoints":
      return [{ action: `dynamodb:${operation}`, resource: "*" }];
    case "Query":
    case "Scan": {
      const table = tableArn(account, input.TableName);
      return [
        {
          action: `dynamodb:${operation}`,
          resource: input.IndexName ? `${table}/index/${String(input.IndexName)}` : table,
        },
      ];
    }
    default:
      return [
        { action: `dynamodb:${operation}`, resource: input.TableName ? tableArn(account, input.TableName) : "*" },
      ];
  }
}

function events(operation: string, input: Input, account: Account): AuthorizationRequest[] {
  if (operation === "PutEvents") {
    return ((input.Entries ?? []) as Input[]).map((entry) => ({
      action: "events:PutEvents",
      resource: busArn(account, entry.EventBusName),
      context: {
        ...(entry.Source !== undefined ? { "events:source": String(entry.Source) } : {}),
        ...(entry.DetailType !== undefined ? { "events:detail-type": String(entry.DetailType) } : {}),
      },
    }));
  }
  if (input.EventBusName !== undefined && /Rule|Targets/.test(operation)) {
    const bus = String(input.EventBusName);
    const busName = bus.startsWith("arn:") ? bus.slice(bus.indexOf("event-bus/") + 10) : bus;
    const rule = input.Rule ?? input.Name;
    if (rule !== undefined)
      return [
        {
          action: `events:${operation}`,
          resource: arn(account, "events", busName === "default" ? `rule/${rule}` : `rule/${busName}/${rule}`),
        },
      ];
  }
  if (/EventBus$/.test(operation) && input.Name !== undefined)
    return [{ action: `events:${operation}`, resource: busArn(account, input.Name) }];
  return [{ action: `events:${operation}`, resource: "*" }];
}

function states(operation: string, input: Input): AuthorizationRequest[] {
  const resource = input.stateMachineArn ?? input.executionArn ?? input.activityArn;
  if (/^SendTask(Success|Failure|Heartbeat)$/.test(operation) || resource === undefined)
    return [{ action: `states:${operation}`, resource: "*" }];
  return [{ action: `states:${operation}`, resource: String(resource) }];
}

const SQS_BATCH_ACTIONS: Record<string, string> = {
  SendMessageBatch: "sqs:SendMessage",
  DeleteMessageBatch: "sqs:DeleteMessage",
  ChangeMessageVisibilityBatch: "sqs:ChangeMessageVisibility",
};

function sqs(operation: string, input: Input, account: Account): AuthorizationRequest[] {
  const action = SQS_BATCH_ACTIONS[operation] ?? `sqs:${operation}`;
  if (operation === "ListQueues") return [{ action, resource: "*" }];
  const target = input.QueueUrl ?? input.QueueName ?? input.SourceArn;
  return [{ action, resource: target === undefined ? "*" : queueArn(account, target) }];
}

export function iamRequestsFor(
  service: AwsService,
  operation: string,
  input: Input,
  account: Account,
): AuthorizationRequest[] {
  switch (service) {
    case "dynamodb":
      return dynamodb(operation, input, account);
    case "events":
      return events(operation, input, account);
    case "states":
      return states(operation, input);
    case "sqs":
      return sqs(operation, input, account);
    case "ses": {
      // SES authorizes sending on the From address's identity.
      const from = String(input.FromEmailAddress ?? "");
      const destination = (input.Destination ?? {}) as Record<string, string[] | undefined>;
      const recipients = [
        ...(destination.ToAddresses ?? []),
        ...(destination.CcAddresses ?? []),
        ...(destination.BccAddresses ?? []),
      ];
      return [
        {
          action: `ses:${operation}`,
          resource: arn(account, "ses", `identity/${from}`),
          context: { "ses:FromAddress": from, "ses:Recipients": recipients, "ses:ApiVersion": "2" },
        },
      ];
    }
    case "sns":
      // Publishing to a phone number names no resource.
      return [
        {
          action: `sns:${operation}`,
          resource: input.TopicArn ? String(input.TopicArn) : input.TargetArn ? String(input.TargetArn) : "*",
        },
      ];
    case "lambda":
      return [
        {
          action: operation === "Invoke" ? "lambda:InvokeFunction" : `lambda:${operation}`,
          resource: functionArn(account, String(input.FunctionName ?? "")),
        },
      ];
  }
}

/** The IAM service of an `X-Amz-Target` prefix of the AWS JSON protocols. */
export function serviceOfTarget(prefix: string): AwsService | undefined {
  if (prefix.startsWith("DynamoDB_")) return "dynamodb";
  if (prefix === "AWSEvents") return "events";
  if (prefix === "AWSStepFunctions") return "states";
  if (prefix === "AmazonSQS") return "sqs";
  return undefined;
}
