import { AwsError } from "../aws/protocol";

/**
 * SQS errors under the names the SDK v3 client surfaces as `error.name`: the modelled shape names
 * (`QueueDoesNotExist`, `ReceiptHandleIsInvalid`, …) with their modelled HTTP status, and the
 * unmodelled query codes (`InvalidParameterValue`, `MissingParameter`) SQS reports for validation.
 */

export const queueDoesNotExist = () => new AwsError("QueueDoesNotExist", "The specified queue does not exist.");

export const queueNameExists = (attribute: string) =>
  new AwsError(
    "QueueNameExists",
    `A queue already exists with the same name and a different value for attribute ${attribute}`,
  );

export const invalidParameterValue = (message: string) => new AwsError("InvalidParameterValue", message);

/** SQS's usual wording for a rejected parameter: `Value X for parameter P is invalid. Reason: R` */
export const invalidValue = (parameter: string, value: unknown, reason: string) =>
  invalidParameterValue(`Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`);

export const missingParameter = (parameter: string) =>
  new AwsError("MissingParameter", `The request must contain the parameter ${parameter}.`);

export const invalidAttributeName = (message: string) => new AwsError("InvalidAttributeName", message);

export const invalidAttributeValue = (message: string) => new AwsError("InvalidAttributeValue", message);

export const invalidMessageContents = () =>
  new AwsError(
    "InvalidMessageContents",
    "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
  );

export const receiptHandleIsInvalid = (handle: string) =>
  new AwsError("ReceiptHandleIsInvalid", `The input receipt handle "${handle}" is not a valid receipt handle.`, 404);

export const messageNotInflight = () => new AwsError("MessageNotInflight", "The message referred to isn't in flight.");

export const emptyBatchRequest = (entryType: string) =>
  new AwsError("EmptyBatchRequest", `There should be at least one ${entryType} in the request.`);

export const tooManyEntriesInBatchRequest = (count: number) =>
  new AwsError("TooManyEntriesInBatchRequest", `Maximum number of entries per request are 10. You have sent ${count}.`);

export const invalidBatchEntryId = () =>
  new AwsError(
    "InvalidBatchEntryId",
    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
  );

export const batchEntryIdsNotDistinct = (id: string) => new AwsError("BatchEntryIdsNotDistinct", `Id ${id} repeated.`);

export const batchRequestTooLong = (limit: number, size: number) =>
  new AwsError(
    "BatchRequestTooLong",
    `Batch requests cannot be longer than ${limit} bytes. You have sent ${size} bytes.`,
  );

export const resourceNotFound = (message: string) => new AwsError("ResourceNotFoundException", message, 404);

export const unsupportedOperation = (message: string) => new AwsError("UnsupportedOperation", message);

/**
 * The legacy query-protocol code SQS sends for an error in the `x-amzn-query-error` header
 * (`<code>;Sender`), from which the SDK fills `error.Code`. Errors without a mapping keep their name.
 */
const QUERY_ERROR_CODES: Record<string, string> = {
  QueueDoesNotExist: "AWS.SimpleQueueService.NonExistentQueue",
  QueueNameExists: "QueueAlreadyExists",
  QueueDeletedRecently: "AWS.SimpleQueueService.QueueDeletedRecently",
  MessageNotInflight: "AWS.SimpleQueueService.MessageNotInflight",
  EmptyBatchRequest: "AWS.SimpleQueueService.EmptyBatchRequest",
  TooManyEntriesInBatchRequest: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
  InvalidBatchEntryId: "AWS.SimpleQueueService.InvalidBatchEntryId",
  BatchEntryIdsNotDistinct: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
  BatchRequestTooLong: "AWS.SimpleQueueService.BatchRequestTooLong",
  PurgeQueueInProgress: "AWS.SimpleQueueService.PurgeQueueInProgress",
  UnsupportedOperation: "AWS.SimpleQueueService.UnsupportedOperation",
};

export function queryErrorHeader(error: AwsError): string {
  const fault = error.status >= 500 ? "Receiver" : "Sender";
  return `${QUERY_ERROR_CODES[error.code] ?? error.code};${fault}`;
}
