"use strict";
/**
 * One Lambda execution environment: runs inside a worker thread whose process.env holds only the
 * function's environment. Loads the bundled handler once (the cold start), then serves one
 * invocation at a time, as a Lambda sandbox does.
 */
const { parentPort, workerData } = require("node:worker_threads");

function toError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || "Error",
      errorMessage: error.message,
      trace: typeof error.stack === "string" ? error.stack.split("\n") : [],
    };
  }
  return { errorType: "Error", errorMessage: String(error), trace: [] };
}

let handler;
let current;

if (workerData.discardLogs) {
  // Output nobody reads is not written at all (console, and loggers that write to the streams).
  for (const stream of [process.stdout, process.stderr]) {
    stream.write = (_chunk, encoding, callback) => {
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") queueMicrotask(done);
      return true;
    };
  }
}

function fail(error, fatal) {
  if (!current) return;
  const id = current;
  current = undefined;
  parentPort.postMessage({ type: "result", id, ok: false, error: toError(error), fatal });
}

process.on("uncaughtException", (error) => fail(error, true));
process.on("unhandledRejection", (reason) => {
  const error = reason instanceof Error ? reason : new Error(String(reason));
  error.name = "Runtime.UnhandledPromiseRejection";
  fail(error, true);
});

try {
  const loaded = require(workerData.modulePath);
  handler = loaded[workerData.exportName];
  if (typeof handler !== "function") {
    const error = new Error(`${workerData.handler} is undefined or not exported`);
    error.name = "Runtime.HandlerNotFound";
    throw error;
  }
  parentPort.postMessage({ type: "ready" });
} catch (error) {
  const reported = toError(error);
  if (reported.errorType === "Error" && error && error.code === "MODULE_NOT_FOUND")
    reported.errorType = "Runtime.ImportModuleError";
  parentPort.postMessage({ type: "init-error", error: reported });
}

parentPort.on("message", async (message) => {
  if (message.type !== "invoke") return;
  current = message.id;
  const deadline = message.deadline;
  const event = JSON.parse(message.event);
  const context = {
    functionName: workerData.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: String(workerData.memoryMb),
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${workerData.functionName}`,
    logStreamName: workerData.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    ...(message.clientContext ? { clientContext: message.clientContext } : {}),
  };
  try {
    const value =
      handler.length >= 3
        ? await new Promise((resolve, reject) =>
            handler(event, context, (error, result) => (error ? reject(error) : resolve(result))),
          )
        : await handler(event, context);
    if (current !== message.id) return;
    current = undefined;
    const payload = value === undefined ? "null" : JSON.stringify(value);
    parentPort.postMessage({ type: "result", id: message.id, ok: true, payload });
  } catch (error) {
    if (current === message.id) fail(error, false);
  }
});
