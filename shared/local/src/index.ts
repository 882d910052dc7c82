export type { ServiceSource } from "./config/load";
export { ConfigError, loadSystem } from "./config/load";
export type * from "./config/model";
export { type LocalDynamoDB, localCredentials, startDynamoDB } from "./dynamodb";
export {
  defaultServices,
  type Endpoints,
  type LocalRuntime,
  type RuntimeRecord,
  type StartOptions,
  startLocal,
  TENANT_CLAIM,
} from "./runtime";
