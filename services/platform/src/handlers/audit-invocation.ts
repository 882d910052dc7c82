import { logger, taskHandler } from "@keel/runtime";
import type { EventBridgeEvent } from "aws-lambda";
import { real } from "../adapters/dependencies";
import { type InvocationResult, invocationRecord } from "../domain/audit";
import type { AuditStore } from "../domain/ports";

const SUCCESS = "Lambda Function Invocation Result - Success";

/** A consumer's result, reported by Lambda destinations: processed, or failed after its retries. */
export const makeHandler = (audit: () => AuditStore = real.audit) =>
  taskHandler(async (event: EventBridgeEvent<string, InvocationResult>) => {
    const record = invocationRecord(event.detail, event["detail-type"] === SUCCESS);
    if (!record) return logger.warn("an invocation result without a correlation id cannot be audited");
    await audit().write([record]);
  });

export const handler = makeHandler();
