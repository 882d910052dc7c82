export {
  type MessageMoveTask,
  type MessageSystemAttributes,
  type QueueInfo,
  type ReceivedMessage,
  type ReceiveOptions,
  type SendMessageOptions,
  type SendResult,
  SqsEmulator,
  type SqsEmulatorOptions,
} from "./emulator";
export { type MessageAttributes, type MessageAttributeValue, md5OfBody, md5OfMessageAttributes } from "./md5";
export { sqsService } from "./service";
