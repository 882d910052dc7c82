import {
  invalidAttributeName,
  invalidAttributeValue,
  invalidMessageContents,
  invalidParameterValue,
  invalidValue,
  missingParameter,
  unsupportedOperation,
} from "./errors";
import type { MessageAttributes, MessageAttributeValue } from "./md5";

/** The largest message, and the largest batch, SQS accepts: 1 MiB. */
export const MAX_MESSAGE_SIZE = 1_048_576;
export const MAX_BATCH_ENTRIES = 10;
export const MAX_VISIBILITY_TIMEOUT = 43_200;
export const MAX_WAIT_TIME_SECONDS = 20;
export const MAX_DELAY_SECONDS = 900;
export const MAX_RECEIVE_COUNT_LIMIT = 1000;
const MAX_MESSAGE_ATTRIBUTES = 10;

/** The configurable attributes of a standard queue, with the range SQS allows and its default. */
const INTEGER_ATTRIBUTES: Record<string, { min: number; max: number; default?: number }> = {
  DelaySeconds: { min: 0, max: MAX_DELAY_SECONDS, default: 0 },
  MaximumMessageSize: { min: 1024, max: MAX_MESSAGE_SIZE, default: MAX_MESSAGE_SIZE },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, default: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: MAX_WAIT_TIME_SECONDS, default: 0 },
  VisibilityTimeout: { min: 0, max: MAX_VISIBILITY_TIMEOUT, default: 30 },
  KmsDataKeyReusePeriodSeconds: { min: 60, max: 86_400 },
};
const JSON_ATTRIBUTES = new Set(["Policy", "RedriveAllowPolicy"]);
const FIFO_ATTRIBUTES = new Set([
  "FifoQueue",
  "ContentBasedDeduplication",
  "DeduplicationScope",
  "FifoThroughputLimit",
]);

/** The attributes a new queue starts with. */
export function defaultQueueAttributes(): Record<string, string> {
  const defaults: Record<string, string> = { SqsManagedSseEnabled: "true" };
  for (const [name, rule] of Object.entries(INTEGER_ATTRIBUTES)) {
    if (rule.default !== undefined) defaults[name] = String(rule.default);
  }
  return defaults;
}

export function validateQueueName(name: string): void {
  if (name.endsWith(".fifo")) {
    throw unsupportedOperation(`FIFO queues are not supported by the local SQS emulator: ${name}`);
  }
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) {
    throw invalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
}

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/;

export function parseRedrivePolicy(value: string): RedrivePolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalidValue("RedrivePolicy", value, "Redrive policy is not a valid JSON map.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidValue("RedrivePolicy", value, "Redrive policy is not a valid JSON map.");
  }
  const { deadLetterTargetArn, maxReceiveCount } = parsed as Record<string, unknown>;
  if (typeof deadLetterTargetArn !== "string" || !QUEUE_ARN.test(deadLetterTargetArn)) {
    throw invalidValue("RedrivePolicy", value, "Invalid value for deadLetterTargetArn.");
  }
  const count = typeof maxReceiveCount === "string" ? Number(maxReceiveCount) : maxReceiveCount;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > MAX_RECEIVE_COUNT_LIMIT) {
    throw invalidValue(
      "RedrivePolicy",
      value,
      `Invalid value for maxReceiveCount: ${String(maxReceiveCount)}, valid values are from 1 to ${MAX_RECEIVE_COUNT_LIMIT} both inclusive.`,
    );
  }
  return { deadLetterTargetArn, maxReceiveCount: count };
}

function normalizeInteger(name: string, value: string, rule: { min: number; max: number }): string {
  const number = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(number) || number < rule.min || number > rule.max) {
    throw invalidAttributeValue(
      `Invalid value for the parameter ${name}. Reason: must be an integer from ${rule.min} to ${rule.max}.`,
    );
  }
  return String(number);
}

function normalizeJson(name: string, value: string): string {
  if (value === "") return value;
  try {
    JSON.parse(value);
  } catch {
    throw invalidAttributeValue(`Invalid value for the parameter ${name}. Reason: not valid JSON.`);
  }
  return value;
}

/**
 * Validates the attributes given to CreateQueue or SetQueueAttributes and returns them in the form
 * GetQueueAttributes reports (integers without padding, RedrivePolicy as compact JSON). An empty
 * string for RedrivePolicy, Policy or RedriveAllowPolicy removes the attribute.
 */
export function normalizeQueueAttributes(attributes: Record<string, string>): Record<string, string> {
  const normalized: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const rule = INTEGER_ATTRIBUTES[name];
    if (rule) {
      normalized[name] = normalizeInteger(name, value, rule);
    } else if (JSON_ATTRIBUTES.has(name)) {
      normalized[name] = normalizeJson(name, value);
    } else if (name === "RedrivePolicy") {
      normalized[name] = value === "" ? "" : JSON.stringify(parseRedrivePolicy(value));
    } else if (name === "KmsMasterKeyId") {
      normalized[name] = value;
    } else if (name === "SqsManagedSseEnabled") {
      if (value !== "true" && value !== "false") {
        throw invalidAttributeValue("Invalid value for the parameter SqsManagedSseEnabled.");
      }
      normalized[name] = value;
    } else if (FIFO_ATTRIBUTES.has(name)) {
      if (name === "FifoQueue" && value === "false") continue;
      throw unsupportedOperation(`FIFO queues are not supported by the local SQS emulator (attribute ${name}).`);
    } else {
      throw invalidAttributeName(`Unknown Attribute ${name}.`);
    }
  }
  if (normalized.KmsMasterKeyId && normalized.SqsManagedSseEnabled === "true") {
    throw invalidAttributeName(
      "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.",
    );
  }
  return normalized;
}

/** Characters SQS accepts in a message body and string attribute values (the XML 1.0 character set). */
const INVALID_CHARACTER = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function validateMessageBody(body: string): void {
  if (body.length === 0) throw missingParameter("MessageBody");
  if (INVALID_CHARACTER.test(body)) throw invalidMessageContents();
}

const ATTRIBUTE_NAME = /^[A-Za-z0-9_.-]{1,256}$/;
const RESERVED_PREFIX = /^(aws\.|amazon\.)/i;
const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

function validateAttributeName(name: string): void {
  if (
    !ATTRIBUTE_NAME.test(name) ||
    RESERVED_PREFIX.test(name) ||
    name.startsWith(".") ||
    name.endsWith(".") ||
    name.includes("..")
  ) {
    throw invalidParameterValue(
      `Message (user) attribute name '${name}' is invalid. The name can contain alphanumeric characters, underscores, hyphens and periods (not at the start or end, not repeated), up to 256 characters, and must not start with AWS. or Amazon.`,
    );
  }
}

function validateAttributeValue(name: string, attribute: MessageAttributeValue): void {
  const dataType = attribute.DataType;
  if (!dataType) {
    throw invalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute type.`);
  }
  const baseType = dataType.split(".")[0];
  if (dataType.length > 256 || (baseType !== "String" && baseType !== "Number" && baseType !== "Binary")) {
    throw invalidParameterValue(
      `The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
    );
  }
  if (baseType === "Binary") {
    if (attribute.BinaryValue === undefined || attribute.BinaryValue.length === 0) {
      throw invalidParameterValue(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    return;
  }
  const value = attribute.StringValue;
  if (value === undefined || value.length === 0) {
    throw invalidParameterValue(
      `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
    );
  }
  if (INVALID_CHARACTER.test(value)) throw invalidMessageContents();
  if (baseType === "Number" && !NUMBER.test(value)) {
    throw invalidParameterValue(`Can't cast the value of message (user) attribute '${name}' to a number.`);
  }
}

/** Validates message attributes and keeps only the value matching each data type. */
export function normalizeMessageAttributes(attributes: MessageAttributes): MessageAttributes {
  const names = Object.keys(attributes);
  if (names.length > MAX_MESSAGE_ATTRIBUTES) {
    throw invalidParameterValue(
      `Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  }
  const normalized: MessageAttributes = {};
  for (const name of names) {
    const attribute = attributes[name];
    if (!attribute) continue;
    validateAttributeName(name);
    validateAttributeValue(name, attribute);
    normalized[name] = attribute.DataType.startsWith("Binary")
      ? { DataType: attribute.DataType, BinaryValue: Uint8Array.from(attribute.BinaryValue ?? []) }
      : { DataType: attribute.DataType, StringValue: attribute.StringValue ?? "" };
  }
  return normalized;
}

/** The only system attribute a sender may set is the X-Ray `AWSTraceHeader`, as a String. */
export function normalizeSystemAttributes(attributes: MessageAttributes): MessageAttributes {
  const normalized: MessageAttributes = {};
  for (const [name, attribute] of Object.entries(attributes)) {
    if (name !== "AWSTraceHeader") {
      throw invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    }
    if (attribute.DataType !== "String" || !attribute.StringValue) {
      throw invalidParameterValue(
        `Message system attribute '${name}' must be of type String with a non-empty StringValue.`,
      );
    }
    normalized[name] = { DataType: "String", StringValue: attribute.StringValue };
  }
  return normalized;
}

/** The size SQS counts against MaximumMessageSize: body plus each attribute's name, type and value. */
export function messageSize(body: string, attributes: MessageAttributes): number {
  let size = Buffer.byteLength(body, "utf8");
  for (const [name, attribute] of Object.entries(attributes)) {
    size += Buffer.byteLength(name, "utf8") + Buffer.byteLength(attribute.DataType, "utf8");
    size +=
      attribute.BinaryValue !== undefined
        ? attribute.BinaryValue.length
        : Buffer.byteLength(attribute.StringValue ?? "", "utf8");
  }
  return size;
}

export function validateIntegerParameter(parameter: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidValue(parameter, value, `Must be between ${min} and ${max}, if provided.`);
  }
}
