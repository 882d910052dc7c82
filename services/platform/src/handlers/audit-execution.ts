import { logger, taskHandler } from "@keel/runtime";
import type { EventBridgeEvent } from "aws-lambda";
import { real } from "../adapters/dependencies";
import { type ExecutionStatusChange, stepRecords, workflowRecord } from "../domain/audit";
import type { AuditStore, ExecutionHistory } from "../domain/ports";

/**
 * Workflow status changes from Step Functions: the start and the end of each execution and, once it
 * ended, each of its steps (read from the execution's history).
 */
export const makeHandler = (deps: { audit: () => AuditStore; history: () => ExecutionHistory } = real) =>
  taskHandler(async (event: EventBridgeEvent<string, ExecutionStatusChange>) => {
    const change = event.detail;
    const workflow = workflowRecord(change);
    if (!workflow)
      return logger.warn("an execution not started by a command cannot be audited", { execution: change.executionArn });
    const steps =
      change.status === "RUNNING" ? [] : stepRecords(change, await deps.history().events(change.executionArn));
    await deps.audit().write([workflow, ...steps]);
  });

export const handler = makeHandler();
