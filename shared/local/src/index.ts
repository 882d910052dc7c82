export type { ServiceSource } from "./config/load";
export { ConfigError, loadSystem } from "./config/load";
export type * from "./config/model";
export { type LocalDynamoDB, localCredentials, startDynamoDB } from "./dynamodb";
export { compileEventPattern, InvalidEventPatternError } from "./eventbridge/pattern";
export { tracePageRoute } from "./http/trace-page";
export {
  defaultServices,
  type Endpoints,
  type LocalRuntime,
  type RuntimeRecord,
  type StartOptions,
  startLocal,
  TENANT_CLAIM,
} from "./runtime";
export { resourceKind, SUPPORTED_RESOURCES, unsupported } from "./stepfunctions/definition";
