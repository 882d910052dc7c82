import { SendEmailCommand, type SendEmailCommandOutput } from "@aws-sdk/client-sesv2";
import type { ChannelPort } from "../domain/ports";
import { ChannelError } from "./channels";

/** The part of SESv2Client this adapter uses. */
export interface SesClient {
  send(command: SendEmailCommand): Promise<SendEmailCommandOutput>;
}

/** Email through Amazon SES (v2 API), plain text, from `from` (an identity verified in SES). */
export function sesChannel(client: SesClient, from: string): ChannelPort {
  return {
    async send({ recipient, subject, body }) {
      try {
        const { MessageId } = await client.send(
          new SendEmailCommand({
            FromEmailAddress: from,
            Destination: { ToAddresses: [recipient] },
            Content: {
              Simple: {
                Subject: { Data: subject, Charset: "UTF-8" },
                Body: { Text: { Data: body, Charset: "UTF-8" } },
              },
            },
          }),
        );
        return MessageId ? { messageId: MessageId } : {};
      } catch (error) {
        throw new ChannelError("email", error);
      }
    },
  };
}
