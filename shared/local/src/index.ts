export { type CfnResource, type CfnTemplate, type Environment, ResourceIndex, resolve } from "./config/cloudformation";
export type { ServiceSource } from "./config/load";
export { ConfigError, loadSystem } from "./config/load";
export type * from "./config/model";
export { type LocalDynamoDB, localCredentials, startDynamoDB } from "./dynamodb";
export { compileEventPattern, InvalidEventPatternError } from "./eventbridge/pattern";
export { FAULT_KINDS, FaultInjector, type FaultKind, type FaultOptions, seededRandom } from "./faults";
export { tracePageRoute } from "./http/trace-page";
export { AccessDeniedError, type IamMode, type IamUse } from "./iam/authorizer";
export { type Coverage, coverage, type Exemption, type Grant, grantsOf } from "./iam/coverage";
export { type AwsService, iamRequestsFor } from "./iam/requests";
export { Outbox, type SentEmail, type SentSms } from "./outbox/service";
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
