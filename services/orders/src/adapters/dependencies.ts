import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BusPublisher, dynamoDBClient, env, eventBridgeClient, tracer } from "@keel/runtime";
import type { OrdersRepository, TaskCallbacks, WorkflowStarter } from "../domain/ports";
import { ordersTable } from "./orders-table";
import { createOrderWorkflow, taskCallbacks } from "./workflow";

let documents: DynamoDBDocumentClient | undefined;
let sfn: SFNClient | undefined;

const documentClient = () => {
  documents ??= DynamoDBDocumentClient.from(dynamoDBClient(), { marshallOptions: { removeUndefinedValues: true } });
  return documents;
};
const sfnClient = () => {
  sfn ??= tracer.captureAWSv3Client(new SFNClient({}));
  return sfn;
};

const once = <T>(build: () => T) => {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
};

/** The real adapters, each built once per execution environment from its configuration. */
export const real = {
  orders: once((): OrdersRepository => ordersTable(documentClient(), env("ORDERS_TABLE"))),
  workflow: once((): WorkflowStarter => createOrderWorkflow(sfnClient(), env("CREATE_ORDER_STATE_MACHINE_ARN"))),
  callbacks: once((): TaskCallbacks => taskCallbacks(sfnClient())),
  commandBus: once((): Pick<BusPublisher, "publish"> => new BusPublisher(eventBridgeClient(), env("COMMAND_BUS_NAME"))),
  eventBus: once((): Pick<BusPublisher, "publish"> => new BusPublisher(eventBridgeClient(), env("EVENT_BUS_NAME"))),
};
