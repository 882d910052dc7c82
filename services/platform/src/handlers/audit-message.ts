import { logger, taskHandler } from "@keel/runtime";
import type { EventBridgeEvent } from "aws-lambda";
import { real } from "../adapters/dependencies";
import { messageRecord } from "../domain/audit";
import type { AuditStore } from "../domain/ports";

/** Every command and event on the two buses, one audit record each. */
export const makeHandler = (audit: () => AuditStore = real.audit) =>
  taskHandler(async (event: EventBridgeEvent<string, unknown>) => {
    const record = messageRecord(event.detail, event.source, event["detail-type"], new Date(event.time).toISOString());
    if (!record)
      return logger.warn("a message without a correlation id cannot be audited", { detailType: event["detail-type"] });
    await audit().write([record]);
  });

export const handler = makeHandler();
