import { fail } from "./pattern-error";

/** A closed range of IPv4 (32-bit) or IPv6 (128-bit) addresses. */
export interface AddressRange {
  readonly bits: 32 | 128;
  readonly bottom: bigint;
  readonly top: bigint;
}

interface Address {
  readonly bits: 32 | 128;
  readonly value: bigint;
}

// Only strings of these shapes are ever read as IP addresses [R CIDR.isIPv4OrIPv6].
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const IPV4_MAPPED_PREFIX = 0xffffn << 32n;

function parseIpv4(text: string): Address | undefined {
  let value = 0n;
  for (const part of text.split(".")) {
    const byte = Number(part);
    if (byte > 255) return undefined;
    value = (value << 8n) | BigInt(byte);
  }
  return { bits: 32, value };
}

function hexGroups(text: string): bigint[] | undefined {
  if (text === "") return [];
  const groups: bigint[] = [];
  for (const group of text.split(":")) {
    if (!HEX_GROUP.test(group)) return undefined;
    groups.push(BigInt(`0x${group}`));
  }
  return groups;
}

function parseIpv6(text: string): Address | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = hexGroups(halves[0] ?? "");
  const tail = hexGroups(halves[1] ?? "");
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  // "::" stands for at least one zero group; without it there must be exactly eight groups.
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  let value = 0n;
  for (const group of [...head, ...Array<bigint>(missing).fill(0n), ...tail]) value = (value << 16n) | group;
  // Java's InetAddress reads an IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address.
  if (value >> 32n === 0xffffn) return { bits: 32, value: value - IPV4_MAPPED_PREFIX };
  return { bits: 128, value };
}

function parseAddress(text: string): Address | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

/** Java's `String.split`, which drops trailing empty strings. */
function javaSplit(text: string, separator: string): string[] {
  const parts = text.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** Java's `Integer.parseInt`: an optional sign and decimal digits that fit in 32 bits. */
function javaInt(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= -(2 ** 31) && value < 2 ** 31 ? value : undefined;
}

/** Parses `ip/mask` with event-ruler's checks and error texts, in its order [R CIDR.cidr]. */
export function parseCidr(text: string): AddressRange {
  const parts = javaSplit(text, "/");
  if (parts.length !== 2) fail("Malformed CIDR, one '/' required");
  const [ip = "", maskText = ""] = parts;
  const mask = javaInt(maskText);
  if (mask === undefined) fail("Malformed CIDR, mask bits must be an integer");
  if (mask < 0) fail("Malformed CIDR, mask bits must not be negative");
  if (!IPV4_SHAPE.test(ip) && !IPV6_SHAPE.test(ip)) fail(`Nonstandard IP address: ${ip}`);
  const address = parseAddress(ip) ?? fail(`Invalid IP address: ${ip}`);
  if (address.bits === 32 && mask > 31) fail("IPv4 mask bits must be < 32");
  if (address.bits === 128 && mask > 127) fail("IPv6 mask bits must be < 128");
  const hostMask = (1n << BigInt(address.bits - mask)) - 1n;
  // The bottom is the address as written, not the network address: event-ruler does not clear the host
  // bits, so "10.0.0.5/24" covers 10.0.0.5 to 10.0.0.255.
  return { bits: address.bits, bottom: address.value, top: address.value | hostMask };
}

/**
 * A plain string match value that is an IP address literal matches every spelling of that address, e.g.
 * "2001:db8::1" matches "2001:0db8:0:0:0:0:0:1" [R JsonRuleCompiler.writeRules, CIDR.ipToRangeIfPossible].
 */
export function ipLiteralRange(text: string): AddressRange | undefined {
  const address = parseAddress(text);
  return address && { bits: address.bits, bottom: address.value, top: address.value };
}

/** Whether an event string is an IP address literal inside the range; other strings never are. */
export function rangeContains(range: AddressRange, text: string): boolean {
  const address = parseAddress(text);
  return (
    address !== undefined && address.bits === range.bits && address.value >= range.bottom && address.value <= range.top
  );
}
