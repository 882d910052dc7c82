import { randomUUID } from "node:crypto";
import { type Activity, sleep } from "../activity";
import { AwsError } from "../aws/protocol";
import type { Functions, LambdaError } from "./functions";

export interface DestinationSink {
  /** Delivers an invocation record to an SQS queue or EventBridge bus ARN; throws if it cannot. */
  send(destinationArn: string, record: InvocationRecord, outcome: "Success" | "Failure"): Promise<void>;
}

/** The record Lambda sends to an asynchronous invocation's destination. */
export interface InvocationRecord {
  version: "1.0";
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: "Success" | "RetriesExhausted" | "EventAgeExceeded";
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError?: string };
  responsePayload: unknown;
}

export type AsyncRecord = {
  type: "lambda.succeeded" | "lambda.failed" | "lambda.retrying" | "lambda.sent-to-destination" | "lambda.dropped";
  functionName: string;
  requestId: string;
  attempt: number;
  error?: { errorType: string; errorMessage: string };
  destination?: string;
  at: string;
};

export interface AsyncInvokerOptions {
  activity: Activity;
  /** Delays before Lambda's retries of a failed asynchronous invocation (AWS: about 1 and 2 minutes). */
  retryDelaysMs?: readonly number[];
  onRecord?: (record: AsyncRecord) => void;
}

/**
 * Lambda's asynchronous invocation (InvocationType `Event`), as EventBridge uses it: the event is
 * accepted at once; a failing function is retried up to its `MaximumRetryAttempts` (default 2),
 * then the event goes to the on-failure destination, if any.
 */
export class AsyncInvoker {
  constructor(
    private readonly functions: Functions,
    private readonly destinations: DestinationSink,
    private readonly options: AsyncInvokerOptions,
  ) {}

  /** Accepts the event for the function; throws `ResourceNotFoundException` if there is no such function. */
  invoke(nameOrArn: string, event: unknown): { requestId: string } {
    const definition = this.functions.definition(nameOrArn);
    if (!definition) throw new AwsError("ResourceNotFoundException", `Function not found: ${nameOrArn}`, 404);
    const requestId = randomUUID();
    const end = this.options.activity.begin();
    void this.run(definition.name, event, requestId, Date.now()).finally(end);
    return { requestId };
  }

  private record(record: Omit<AsyncRecord, "at">) {
    this.options.onRecord?.({ ...record, at: new Date().toISOString() } as AsyncRecord);
  }

  private async run(name: string, event: unknown, requestId: string, acceptedAt: number) {
    const definition = this.functions.definition(name);
    if (!definition) return;
    const delays = this.options.retryDelaysMs ?? [60_000, 120_000];
    const maxAttempts = 1 + definition.async.maximumRetryAttempts;
    let lastError: LambdaError = { errorType: "Unknown", errorMessage: "not invoked", trace: [] };
    let attempt = 0;
    let condition: InvocationRecord["requestContext"]["condition"] = "RetriesExhausted";
    while (attempt < maxAttempts) {
      if ((Date.now() - acceptedAt) / 1000 > definition.async.maximumEventAgeSeconds) {
        condition = "EventAgeExceeded";
        break;
      }
      attempt += 1;
      let result: Awaited<ReturnType<Functions["invoke"]>>;
      try {
        result = await this.functions.invoke(name, event);
      } catch (error) {
        // Throttled: Lambda keeps the event and tries again later, without counting an attempt.
        attempt -= 1;
        lastError = { errorType: (error as Error).name, errorMessage: (error as Error).message, trace: [] };
        await sleep(delays[0] ?? 1000);
        continue;
      }
      if (result.ok) {
        this.record({ type: "lambda.succeeded", functionName: name, requestId, attempt });
        if (definition.async.onSuccess) {
          await this.toDestination(
            definition.async.onSuccess,
            name,
            requestId,
            attempt,
            "Success",
            event,
            result.payload,
            undefined,
          );
        }
        return;
      }
      lastError = result.error;
      const error = { errorType: result.error.errorType, errorMessage: result.error.errorMessage };
      if (attempt < maxAttempts) {
        this.record({ type: "lambda.retrying", functionName: name, requestId, attempt, error });
        await sleep(delays[Math.min(attempt - 1, delays.length - 1)] ?? 0);
      } else {
        this.record({ type: "lambda.failed", functionName: name, requestId, attempt, error });
      }
    }
    const onFailure = definition.async.onFailure;
    const payload = { errorType: lastError.errorType, errorMessage: lastError.errorMessage, trace: lastError.trace };
    if (!onFailure) {
      this.record({ type: "lambda.dropped", functionName: name, requestId, attempt, error: payload });
      return;
    }
    await this.toDestination(onFailure, name, requestId, attempt, condition, event, payload, "Unhandled");
  }

  private async toDestination(
    destination: string,
    name: string,
    requestId: string,
    attempt: number,
    condition: InvocationRecord["requestContext"]["condition"],
    event: unknown,
    response: unknown,
    functionError: string | undefined,
  ) {
    const definition = this.functions.definition(name);
    const record: InvocationRecord = {
      version: "1.0",
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `${definition?.arn}:$LATEST`,
        condition,
        approximateInvokeCount: attempt,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", ...(functionError ? { functionError } : {}) },
      responsePayload: response,
    };
    try {
      await this.destinations.send(destination, record, condition === "Success" ? "Success" : "Failure");
      this.record({ type: "lambda.sent-to-destination", functionName: name, requestId, attempt, destination });
    } catch (error) {
      this.record({
        type: "lambda.dropped",
        functionName: name,
        requestId,
        attempt,
        destination,
        error: { errorType: "DestinationDeliveryFailure", errorMessage: (error as Error).message },
      });
    }
  }
}
