import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from "jose";
import type { JwtAuthorizerDef } from "../config/model";

const ALGORITHM = "ES256";
const KEY_ID = "keel-local";

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

/** Verified tokens remembered at most (a client sends the same token with every request). */
const VERIFIED_LIMIT = 1000;

/**
 * The local stand-in for the identity provider behind the deployed JWT authorizer: a signing key
 * generated on this machine (kept under the data folder, so tokens survive a restart). Tokens
 * carry the issuer and audience the serverless.yml authorizer expects, and are verified the way
 * API Gateway verifies them: signature, issuer, audience, expiry.
 */
export class LocalIdentityProvider {
  /** Claims of tokens whose signature, issuer and audience were verified, by token and authorizer. */
  private readonly verified = new Map<string, JWTPayload>();

  private constructor(
    private readonly privateKey: Key,
    private readonly publicKey: Key,
  ) {}

  static async create(keyFile?: string): Promise<LocalIdentityProvider> {
    if (keyFile && existsSync(keyFile)) {
      const jwk = JSON.parse(readFileSync(keyFile, "utf8")) as JWK;
      const { d, ...publicJwk } = jwk;
      void d;
      return new LocalIdentityProvider(
        (await importJWK(jwk, ALGORITHM)) as Key,
        (await importJWK(publicJwk, ALGORITHM)) as Key,
      );
    }
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
    if (keyFile) {
      mkdirSync(dirname(keyFile), { recursive: true });
      writeFileSync(keyFile, JSON.stringify(await exportJWK(privateKey)), { mode: 0o600 });
    }
    return new LocalIdentityProvider(privateKey, publicKey);
  }

  /** A token for a user of a tenant, as the deployed identity provider would issue it. */
  async issue(options: {
    issuer: string;
    audience: string;
    subject: string;
    claims?: Record<string, unknown>;
    expiresInSeconds?: number;
  }): Promise<string> {
    return new SignJWT({ ...options.claims, token_use: "access" })
      .setProtectedHeader({ alg: ALGORITHM, kid: KEY_ID, typ: "JWT" })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setSubject(options.subject)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresInSeconds ?? 3600))
      .sign(this.privateKey);
  }

  /** The claims of a valid token for this authorizer; throws when API Gateway would answer 401. */
  async verify(token: string, authorizer: JwtAuthorizerDef): Promise<JWTPayload> {
    // A signature verified once stays valid; only the time claims are checked again.
    const cacheKey = `${authorizer.issuer}\n${authorizer.audience.join(" ")}\n${token}`;
    const known = this.verified.get(cacheKey);
    if (known) {
      const now = Math.floor(Date.now() / 1000);
      if ((known.exp === undefined || now < known.exp) && (known.nbf === undefined || now >= known.nbf)) return known;
      this.verified.delete(cacheKey);
    }
    const payload = await this.verifyOnce(token, authorizer);
    if (this.verified.size >= VERIFIED_LIMIT) this.verified.clear();
    this.verified.set(cacheKey, payload);
    return payload;
  }

  private async verifyOnce(token: string, authorizer: JwtAuthorizerDef): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.publicKey, {
      issuer: authorizer.issuer,
      algorithms: [ALGORITHM],
    });
    const audiences = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
    const clientId = typeof payload.client_id === "string" ? [payload.client_id] : [];
    if (![...audiences, ...clientId].some((value) => authorizer.audience.includes(value))) {
      throw new Error(`the token's audience is not one of ${authorizer.audience.join(", ")}`);
    }
    return payload;
  }
}

/** Claims as API Gateway hands them to the function: every value a string, arrays as `[a b]`. */
export function stringifyClaims(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(
    Object.entries(payload).map(([key, value]) => [
      key,
      typeof value === "string" ? value : Array.isArray(value) ? `[${value.join(" ")}]` : JSON.stringify(value),
    ]),
  );
}
