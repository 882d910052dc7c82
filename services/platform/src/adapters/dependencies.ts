import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoDBClient, env, tracer } from "@keel/runtime";
import type { AuditStore, ExecutionHistory } from "../domain/ports";
import { auditTable } from "./audit-table";
import { executionHistory } from "./execution-history";

let store: AuditStore | undefined;
let history: ExecutionHistory | undefined;

export const real = {
  audit: (): AuditStore => {
    store ??= auditTable(
      DynamoDBDocumentClient.from(dynamoDBClient(), { marshallOptions: { removeUndefinedValues: true } }),
      env("AUDIT_TABLE"),
    );
    return store;
  },
  history: (): ExecutionHistory => {
    history ??= executionHistory(tracer.captureAWSv3Client(new SFNClient({})));
    return history;
  },
};
