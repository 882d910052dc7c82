import { PublishCommand, type PublishCommandOutput } from "@aws-sdk/client-sns";
import type { ChannelPort } from "../domain/ports";
import { ChannelError } from "./channels";

/** The part of SNSClient this adapter uses. */
export interface SnsClient {
  send(command: PublishCommand): Promise<PublishCommandOutput>;
}

/**
 * SMS through Amazon SNS, published straight to the phone number (no topic). Transactional: order
 * news is time-critical, not marketing. An SMS has no subject; the body is the whole message.
 */
export function snsChannel(client: SnsClient): ChannelPort {
  return {
    async send({ recipient, body }) {
      try {
        const { MessageId } = await client.send(
          new PublishCommand({
            PhoneNumber: recipient,
            Message: body,
            MessageAttributes: {
              "AWS.SNS.SMS.SMSType": { DataType: "String", StringValue: "Transactional" },
            },
          }),
        );
        return MessageId ? { messageId: MessageId } : {};
      } catch (error) {
        throw new ChannelError("sms", error);
      }
    },
  };
}
