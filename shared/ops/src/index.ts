export { type ClientOptions, type OpsClients, opsClients } from "./clients";
export {
  type Connection,
  type ConnectOptions,
  connect,
  type LocalRuntimeEndpoints,
  TARGET_HELP,
  TARGET_OPTIONS,
} from "./connect";
export * from "./dlq/dead-letter";
export { DeadLetterQueue, type DeadLetterQueueOptions } from "./dlq/queue";
export * from "./dlq/redrive";
export { type TargetInputSettings, targetInput } from "./dlq/target-input";
export { busName, type KeelNames, keelNames } from "./names";
export * from "./progress";
export * from "./replay/archive";
export * from "./replay/replay";
export * from "./replay/routing";
export * from "./replay/validate";
export { parseTime } from "./time";
export { type AuditRecord, conversation, conversationsOf, type QueryKind, queryKindOf } from "./trace/audit";
export * from "./trace/format";
export { executionArnOf, executionHistory, stateMachineArn } from "./trace/history";
export { MERMAID_ASSET_PATH, mermaidScriptFile, tracePage } from "./trace/page";
export * from "./trace/timeline";
export { type Trace, type TraceClients, type TracedDeadLetter, type TraceOptions, trace } from "./trace/trace";
