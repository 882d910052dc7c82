import { env, logger, taskHandler } from "@keel/runtime";
import type { EventBridgeEvent } from "aws-lambda";
import { real } from "../adapters/dependencies";
import { archivedMessage } from "../domain/archive";
import { messageRecord } from "../domain/audit";
import type { AuditStore, MessageArchive } from "../domain/ports";

interface Dependencies {
  audit: () => AuditStore;
  archive: () => MessageArchive;
}

/**
 * Every command and event on the two buses: kept whole in the message archive (for `keel replay`),
 * and one audit record each (without personal data or secrets, for `keel trace`).
 */
export const makeHandler = (deps: Dependencies = real) =>
  taskHandler(async (event: EventBridgeEvent<string, unknown>) => {
    await deps
      .archive()
      .put(
        archivedMessage(
          event,
          { commands: env("COMMAND_BUS_NAME"), events: env("EVENT_BUS_NAME") },
          Number(env("MESSAGE_RETENTION_DAYS")),
        ),
      );
    const record = messageRecord(event.detail, event.source, event["detail-type"], new Date(event.time).toISOString());
    if (!record)
      return logger.warn("a message without a correlation id cannot be audited", { detailType: event["detail-type"] });
    await deps.audit().write([record]);
  });

export const handler = makeHandler();
