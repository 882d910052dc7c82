import { AwsError, type JsonProtocolService, type RequestInfo } from "../aws/protocol";
import type { MessageMoveTask, ReceivedMessage, SendResult, SqsEmulator } from "./emulator";
import {
  batchEntryIdsNotDistinct,
  batchRequestTooLong,
  emptyBatchRequest,
  invalidBatchEntryId,
  invalidParameterValue,
  invalidValue,
  missingParameter,
  queryErrorHeader,
  queueDoesNotExist,
  tooManyEntriesInBatchRequest,
} from "./errors";
import { type MessageAttributes, md5OfMessageAttributes } from "./md5";
import { MAX_BATCH_ENTRIES, MAX_MESSAGE_SIZE, messageSize } from "./validation";

/**
 * The SQS JSON protocol (awsJson1_0, `X-Amz-Target: AmazonSQS.<Operation>`) over an
 * {@link SqsEmulator}: request shapes in, response shapes out, and nothing else.
 */

type Input = Record<string, unknown>;

// Reading request fields

function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalidValue(name, JSON.stringify(value), "Must be a string.");
  return value;
}

function requiredString(input: Input, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined || value === "") throw missingParameter(name);
  return value;
}

function optionalInteger(input: Input, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number)) {
    throw invalidValue(name, JSON.stringify(value), "Must be an integer.");
  }
  return number;
}

function isRecord(value: unknown): value is Input {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringMap(input: Input, name: string): Record<string, string> {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalidParameterValue(`${name} must be a map of strings.`);
  const map: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== "string" && typeof entry !== "number" && typeof entry !== "boolean") {
      throw invalidValue(`${name}.${key}`, JSON.stringify(entry), "Must be a string.");
    }
    map[key] = String(entry);
  }
  return map;
}

function stringList(input: Input, name: string): string[] {
  const value = input[name];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw invalidParameterValue(`${name} must be a list of strings.`);
  }
  return value;
}

function messageAttributes(input: Input, name: string): MessageAttributes {
  const value = input[name];
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalidParameterValue(`${name} must be a map of message attribute values.`);
  const attributes: MessageAttributes = {};
  for (const [attributeName, raw] of Object.entries(value)) {
    if (!isRecord(raw)) throw invalidParameterValue(`The message attribute '${attributeName}' is not a structure.`);
    const dataType = optionalString(raw, "DataType") ?? "";
    const stringValue = optionalString(raw, "StringValue");
    const binaryValue = optionalString(raw, "BinaryValue");
    attributes[attributeName] = {
      DataType: dataType,
      ...(stringValue !== undefined ? { StringValue: stringValue } : {}),
      ...(binaryValue !== undefined ? { BinaryValue: Uint8Array.from(Buffer.from(binaryValue, "base64")) } : {}),
    };
  }
  return attributes;
}

/** Checks a batch request as SQS does before looking at any entry. */
function batchEntries(input: Input, entryType: string): Input[] {
  const value = input.Entries;
  if (value !== undefined && value !== null && !Array.isArray(value)) {
    throw invalidParameterValue("Entries must be a list.");
  }
  const entries = (value ?? []).filter(isRecord);
  if (entries.length === 0) throw emptyBatchRequest(entryType);
  if (entries.length > MAX_BATCH_ENTRIES) throw tooManyEntriesInBatchRequest(entries.length);
  const seen = new Set<string>();
  for (const entry of entries) {
    const id = entry.Id;
    if (typeof id !== "string" || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) throw invalidBatchEntryId();
    if (seen.has(id)) throw batchEntryIdsNotDistinct(id);
    seen.add(id);
  }
  return entries;
}

interface BatchFailure {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

/** Runs one entry of a batch; an SQS error fails that entry only. */
function runEntry<T>(entry: Input, action: () => T, successful: T[], failed: BatchFailure[]): void {
  try {
    successful.push(action());
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    failed.push({ Id: String(entry.Id), SenderFault: error.status < 500, Code: error.code, Message: error.message });
  }
}

// Writing responses

function attributeValuesToJson(attributes: MessageAttributes) {
  const json: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> = {};
  for (const [name, value] of Object.entries(attributes)) {
    json[name] =
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: Buffer.from(value.BinaryValue).toString("base64") }
        : { DataType: value.DataType, StringValue: value.StringValue ?? "" };
  }
  return json;
}

function sendResultToJson(result: SendResult) {
  return {
    MessageId: result.messageId,
    MD5OfMessageBody: result.md5OfMessageBody,
    ...(result.md5OfMessageAttributes ? { MD5OfMessageAttributes: result.md5OfMessageAttributes } : {}),
    ...(result.md5OfMessageSystemAttributes
      ? { MD5OfMessageSystemAttributes: result.md5OfMessageSystemAttributes }
      : {}),
  };
}

/** `All`, `.*`, exact names and `prefix.*` patterns, as ReceiveMessage's MessageAttributeNames. */
function selectMessageAttributes(attributes: MessageAttributes, patterns: readonly string[]): MessageAttributes {
  const selected: MessageAttributes = {};
  const matches = (name: string) =>
    patterns.some((pattern) =>
      pattern === "All" || pattern === ".*"
        ? true
        : pattern.endsWith(".*")
          ? name.startsWith(pattern.slice(0, -2))
          : name === pattern,
    );
  for (const [name, value] of Object.entries(attributes)) if (matches(name)) selected[name] = value;
  return selected;
}

function selectSystemAttributes(attributes: ReceivedMessage["attributes"], names: readonly string[]) {
  if (names.includes("All")) return { ...attributes };
  const selected: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (names.includes(name) && value !== undefined) selected[name] = value;
  }
  return selected;
}

function receivedToJson(
  message: ReceivedMessage,
  systemNames: readonly string[],
  attributePatterns: readonly string[],
) {
  const attributes = selectSystemAttributes(message.attributes, systemNames);
  const userAttributes = selectMessageAttributes(message.messageAttributes, attributePatterns);
  const md5OfAttributes = md5OfMessageAttributes(userAttributes);
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
    ...(md5OfAttributes
      ? { MD5OfMessageAttributes: md5OfAttributes, MessageAttributes: attributeValuesToJson(userAttributes) }
      : {}),
  };
}

function moveTaskToJson(task: MessageMoveTask) {
  return {
    Status: task.status,
    SourceArn: task.sourceArn,
    ...(task.destinationArn !== undefined ? { DestinationArn: task.destinationArn } : {}),
    ...(task.maxNumberOfMessagesPerSecond !== undefined
      ? { MaxNumberOfMessagesPerSecond: task.maxNumberOfMessagesPerSecond }
      : {}),
    ApproximateNumberOfMessagesMoved: task.approximateNumberOfMessagesMoved,
    ApproximateNumberOfMessagesToMove: task.approximateNumberOfMessagesToMove,
    ...(task.failureReason !== undefined ? { FailureReason: task.failureReason } : {}),
    StartedTimestamp: task.startedTimestamp,
  };
}

/** Pages a sorted list of names: `NextToken` is the last name of the previous page. */
function page(names: readonly string[], input: Input): { names: string[]; nextToken?: string } {
  const maxResults = optionalInteger(input, "MaxResults");
  if (maxResults !== undefined && (maxResults < 1 || maxResults > 1000)) {
    throw invalidValue("MaxResults", maxResults, "MaxResults must be an integer between 1 and 1000.");
  }
  const token = optionalString(input, "NextToken");
  const after = token === undefined ? undefined : Buffer.from(token, "base64").toString("utf8");
  const rest = after === undefined ? [...names] : names.filter((name) => name > after);
  const pageNames = rest.slice(0, maxResults ?? 1000);
  const more = maxResults !== undefined && rest.length > pageNames.length;
  const last = pageNames.at(-1);
  return more && last !== undefined
    ? { names: pageNames, nextToken: Buffer.from(last, "utf8").toString("base64") }
    : { names: pageNames };
}

// Operations

export function sqsService(emulator: SqsEmulator): JsonProtocolService {
  const url = (name: string, request: RequestInfo) => emulator.queueUrl(name, request.baseUrl);
  const queueName = (input: Input) => {
    const queue = requiredString(input, "QueueUrl");
    const name = emulator.findQueue(queue);
    if (name === undefined) throw queueDoesNotExist();
    return name;
  };

  const sendEntry = (queue: string, entry: Input) => {
    if (entry.MessageDeduplicationId !== undefined && entry.MessageDeduplicationId !== null) {
      throw invalidValue(
        "MessageDeduplicationId",
        entry.MessageDeduplicationId,
        "The request include parameter that is not valid for this queue type.",
      );
    }
    const delaySeconds = optionalInteger(entry, "DelaySeconds");
    const messageGroupId = optionalString(entry, "MessageGroupId");
    return emulator.send(queue, requiredString(entry, "MessageBody"), {
      messageAttributes: messageAttributes(entry, "MessageAttributes"),
      messageSystemAttributes: messageAttributes(entry, "MessageSystemAttributes"),
      ...(delaySeconds !== undefined ? { delaySeconds } : {}),
      ...(messageGroupId !== undefined ? { messageGroupId } : {}),
    });
  };

  return {
    targetPrefix: "AmazonSQS",
    jsonVersion: "1.0",
    errorNamespace: "com.amazonaws.sqs#",
    queryErrorHeader,
    operations: {
      CreateQueue(input, request) {
        const name = requiredString(input, "QueueName");
        emulator.createQueue(name, stringMap(input, "Attributes"), stringMap(input, "tags"));
        return { QueueUrl: url(name, request) };
      },

      GetQueueUrl(input, request) {
        const name = requiredString(input, "QueueName");
        const owner = optionalString(input, "QueueOwnerAWSAccountId");
        if ((owner !== undefined && owner !== emulator.accountId) || emulator.findQueue(name) !== name) {
          throw queueDoesNotExist();
        }
        return { QueueUrl: url(name, request) };
      },

      ListQueues(input, request) {
        const prefix = optionalString(input, "QueueNamePrefix") ?? "";
        const { names, nextToken } = page(
          emulator.list(prefix).map((queue) => queue.name),
          input,
        );
        return {
          ...(names.length > 0 ? { QueueUrls: names.map((name) => url(name, request)) } : {}),
          ...(nextToken ? { NextToken: nextToken } : {}),
        };
      },

      DeleteQueue(input) {
        emulator.deleteQueue(queueName(input));
        return {};
      },

      PurgeQueue(input) {
        emulator.purgeQueue(queueName(input));
        return {};
      },

      GetQueueAttributes(input) {
        const attributes = emulator.getQueueAttributes(queueName(input), stringList(input, "AttributeNames"));
        return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
      },

      SetQueueAttributes(input) {
        emulator.setQueueAttributes(queueName(input), stringMap(input, "Attributes"));
        return {};
      },

      TagQueue(input) {
        emulator.tagQueue(queueName(input), stringMap(input, "Tags"));
        return {};
      },

      UntagQueue(input) {
        emulator.untagQueue(queueName(input), stringList(input, "TagKeys"));
        return {};
      },

      ListQueueTags(input) {
        const { tags } = emulator.getQueue(queueName(input));
        return Object.keys(tags).length > 0 ? { Tags: tags } : {};
      },

      ListDeadLetterSourceQueues(input, request) {
        const { names, nextToken } = page(emulator.listDeadLetterSourceQueues(queueName(input)), input);
        return { queueUrls: names.map((name) => url(name, request)), ...(nextToken ? { NextToken: nextToken } : {}) };
      },

      SendMessage(input) {
        return sendResultToJson(sendEntry(queueName(input), input));
      },

      SendMessageBatch(input) {
        const queue = queueName(input);
        const entries = batchEntries(input, "SendMessageBatchRequestEntry");
        const size = entries.reduce((total, entry) => {
          const body = typeof entry.MessageBody === "string" ? entry.MessageBody : "";
          return total + messageSize(body, messageAttributes(entry, "MessageAttributes"));
        }, 0);
        if (size > MAX_MESSAGE_SIZE) throw batchRequestTooLong(MAX_MESSAGE_SIZE, size);
        const successful: ReturnType<typeof sendResultToJson>[] = [];
        const failed: BatchFailure[] = [];
        for (const entry of entries) {
          runEntry(
            entry,
            () => ({ Id: String(entry.Id), ...sendResultToJson(sendEntry(queue, entry)) }),
            successful,
            failed,
          );
        }
        return { Successful: successful, Failed: failed };
      },

      async ReceiveMessage(input) {
        const queue = queueName(input);
        const maxNumberOfMessages = optionalInteger(input, "MaxNumberOfMessages");
        const visibilityTimeout = optionalInteger(input, "VisibilityTimeout");
        const waitTimeSeconds = optionalInteger(input, "WaitTimeSeconds");
        const systemNames = [
          ...stringList(input, "AttributeNames"),
          ...stringList(input, "MessageSystemAttributeNames"),
        ];
        const attributePatterns = stringList(input, "MessageAttributeNames");
        const messages = await emulator.receiveMessages(queue, {
          ...(maxNumberOfMessages !== undefined ? { maxNumberOfMessages } : {}),
          ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
          ...(waitTimeSeconds !== undefined ? { waitTimeSeconds } : {}),
        });
        return messages.length > 0
          ? { Messages: messages.map((message) => receivedToJson(message, systemNames, attributePatterns)) }
          : {};
      },

      DeleteMessage(input) {
        emulator.deleteMessage(queueName(input), requiredString(input, "ReceiptHandle"));
        return {};
      },

      DeleteMessageBatch(input) {
        const queue = queueName(input);
        const successful: { Id: string }[] = [];
        const failed: BatchFailure[] = [];
        for (const entry of batchEntries(input, "DeleteMessageBatchRequestEntry")) {
          runEntry(
            entry,
            () => {
              emulator.deleteMessage(queue, requiredString(entry, "ReceiptHandle"));
              return { Id: String(entry.Id) };
            },
            successful,
            failed,
          );
        }
        return { Successful: successful, Failed: failed };
      },

      ChangeMessageVisibility(input) {
        const timeout = optionalInteger(input, "VisibilityTimeout");
        if (timeout === undefined) throw missingParameter("VisibilityTimeout");
        emulator.changeMessageVisibility(queueName(input), requiredString(input, "ReceiptHandle"), timeout);
        return {};
      },

      ChangeMessageVisibilityBatch(input) {
        const queue = queueName(input);
        const successful: { Id: string }[] = [];
        const failed: BatchFailure[] = [];
        for (const entry of batchEntries(input, "ChangeMessageVisibilityBatchRequestEntry")) {
          runEntry(
            entry,
            () => {
              const timeout = optionalInteger(entry, "VisibilityTimeout");
              if (timeout === undefined) throw missingParameter("VisibilityTimeout");
              emulator.changeMessageVisibility(queue, requiredString(entry, "ReceiptHandle"), timeout);
              return { Id: String(entry.Id) };
            },
            successful,
            failed,
          );
        }
        return { Successful: successful, Failed: failed };
      },

      StartMessageMoveTask(input) {
        const taskHandle = emulator.startMessageMoveTask(
          requiredString(input, "SourceArn"),
          optionalString(input, "DestinationArn"),
          optionalInteger(input, "MaxNumberOfMessagesPerSecond"),
        );
        return { TaskHandle: taskHandle };
      },

      ListMessageMoveTasks(input) {
        const tasks = emulator.listMessageMoveTasks(
          requiredString(input, "SourceArn"),
          optionalInteger(input, "MaxResults") ?? 1,
        );
        return { Results: tasks.map(moveTaskToJson) };
      },

      CancelMessageMoveTask(input) {
        return emulator.cancelMessageMoveTask(requiredString(input, "TaskHandle"));
      },
    },
  };
}
