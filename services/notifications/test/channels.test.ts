import type { SendEmailCommand } from "@aws-sdk/client-sesv2";
import type { PublishCommand } from "@aws-sdk/client-sns";
import { byChannel, ChannelError } from "../src/adapters/channels";
import { recordingChannel } from "../src/adapters/recording-channel";
import { sesChannel } from "../src/adapters/ses-channel";
import { snsChannel } from "../src/adapters/sns-channel";

const email = { channel: "email", recipient: "ada@example.com", subject: "Your order ORD-1", body: "Hello" } as const;
const sms = { channel: "sms", recipient: "+61400000001", subject: "Your order ORD-1", body: "Hello" } as const;

/** An SES or SNS provider refusal as the SDK throws it: its message quotes the recipient. */
const refusal = (name: string) =>
  Object.assign(new Error(`Email address is not verified: ${email.recipient}`), {
    name,
    $metadata: { httpStatusCode: 400 },
  });

describe("channel adapters", () => {
  it("sends an email through SES from the configured sender", async () => {
    const commands: SendEmailCommand[] = [];
    const channel = sesChannel(
      {
        send: async (command) => {
          commands.push(command);
          return { MessageId: "ses-1", $metadata: {} };
        },
      },
      "orders@example.com",
    );
    expect(await channel.send(email)).toEqual({ messageId: "ses-1" });
    expect(commands[0]?.input).toEqual({
      FromEmailAddress: "orders@example.com",
      Destination: { ToAddresses: ["ada@example.com"] },
      Content: {
        Simple: {
          Subject: { Data: "Your order ORD-1", Charset: "UTF-8" },
          Body: { Text: { Data: "Hello", Charset: "UTF-8" } },
        },
      },
    });
  });

  it("sends an SMS through SNS straight to the phone number, as a transactional message", async () => {
    const commands: PublishCommand[] = [];
    const channel = snsChannel({
      send: async (command) => {
        commands.push(command);
        return { MessageId: "sns-1", $metadata: {} };
      },
    });
    expect(await channel.send(sms)).toEqual({ messageId: "sns-1" });
    expect(commands[0]?.input).toMatchObject({ PhoneNumber: "+61400000001", Message: "Hello" });
    expect(commands[0]?.input.TopicArn).toBeUndefined();
    expect(commands[0]?.input.MessageAttributes?.["AWS.SNS.SMS.SMSType"]?.StringValue).toBe("Transactional");
  });

  it("reports a provider's refusal without quoting the recipient", async () => {
    const ses = sesChannel({ send: async () => Promise.reject(refusal("MessageRejected")) }, "orders@example.com");
    const error = await ses.send(email).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ channel: "email", code: "MessageRejected" });
    expect((error as Error).message).toBe("the email provider did not take the message: MessageRejected (HTTP 400)");
    expect(JSON.stringify(error)).not.toContain(email.recipient);

    const sns = snsChannel({ send: async () => Promise.reject(refusal("InvalidParameterException")) });
    await expect(sns.send(sms)).rejects.toThrow("the sms provider did not take the message: InvalidParameterException");
  });

  it("routes each message to its channel's sender", async () => {
    const routed: string[] = [];
    const sender = (name: string) => ({
      send: async () => {
        routed.push(name);
        return {};
      },
    });
    const channel = byChannel({ email: sender("email"), sms: sender("sms") });
    await channel.send(sms);
    await channel.send(email);
    expect(routed).toEqual(["sms", "email"]);
  });

  it("the recording channel sends nothing", async () => {
    expect(await recordingChannel().send(email)).toEqual({});
  });
});
