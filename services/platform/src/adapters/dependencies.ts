import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoDBClient, env, tracer } from "@keel/runtime";
import type { AuditStore, ExecutionHistory, MessageArchive } from "../domain/ports";
import { auditTable } from "./audit-table";
import { executionHistory } from "./execution-history";
import { messageArchiveTable } from "./message-archive";

let store: AuditStore | undefined;
let history: ExecutionHistory | undefined;
let archive: MessageArchive | undefined;
const documents = () =>
  DynamoDBDocumentClient.from(dynamoDBClient(), { marshallOptions: { removeUndefinedValues: true } });

export const real = {
  audit: (): AuditStore => {
    store ??= auditTable(documents(), env("AUDIT_TABLE"));
    return store;
  },
  archive: (): MessageArchive => {
    archive ??= messageArchiveTable(documents(), env("MESSAGE_ARCHIVE_TABLE"));
    return archive;
  },
  history: (): ExecutionHistory => {
    history ??= executionHistory(tracer.captureAWSv3Client(new SFNClient({})));
    return history;
  },
};
