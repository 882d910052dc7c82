import { SESv2Client } from "@aws-sdk/client-sesv2";
import { SNSClient } from "@aws-sdk/client-sns";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { BusPublisher, dynamoDBClient, env, eventBridgeClient, logger, tracer } from "@keel/runtime";
import type { NotifyDependencies } from "../domain/notify";
import type { ChannelPort } from "../domain/ports";
import { byChannel } from "./channels";
import { notificationsTable } from "./notifications-table";
import { recordingChannel } from "./recording-channel";
import { sesChannel } from "./ses-channel";
import { snsChannel } from "./sns-channel";

export type NotificationsDependencies = Omit<NotifyDependencies, "now">;

/** The channel of the configured transport (NOTIFICATION_TRANSPORT): `record` sends nothing, `aws` sends through SES and SNS. */
function transport(name: string): ChannelPort {
  switch (name) {
    case "record":
      return recordingChannel();
    case "aws":
      return byChannel({
        email: sesChannel(tracer.captureAWSv3Client(new SESv2Client({})), env("SENDER_EMAIL")),
        sms: snsChannel(tracer.captureAWSv3Client(new SNSClient({}))),
      });
    default:
      throw new Error(`NOTIFICATION_TRANSPORT must be "record" or "aws", not "${name}"`);
  }
}

let real: NotificationsDependencies | undefined;

/** The real adapters, built once per execution environment from its configuration. */
export function notificationsDependencies(): NotificationsDependencies {
  if (!real) {
    const client = DynamoDBDocumentClient.from(dynamoDBClient(), { marshallOptions: { removeUndefinedValues: true } });
    real = {
      notifications: notificationsTable(client, env("NOTIFICATIONS_TABLE")),
      channel: transport(env("NOTIFICATION_TRANSPORT")),
      publisher: new BusPublisher(eventBridgeClient(), env("EVENT_BUS_NAME")),
      log: logger,
      opsEmail: env("OPS_EMAIL"),
    };
  }
  return real;
}
