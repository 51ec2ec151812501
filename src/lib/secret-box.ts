// Encryption of secrets stored in the database (TOTP secrets, later credentials) with SECRET_KEY.
// AES-256-GCM with a key derived from SECRET_KEY for this one use, a random 96-bit nonce per
// message, and "associated data" naming where the value lives (e.g. "staff_users.totp_secret:stf_1"),
// so a ciphertext copied into another row or column does not decrypt. Text form:
// "v1.<base64url nonce>.<base64url ciphertext+tag>".
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";

const VERSION = "v1";

function keyOf(secretKey: string): Buffer {
  return createHmac("sha256", secretKey).update("partnerbill secret-box v1").digest();
}

export function seal(secretKey: string, plaintext: string, context: string): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secretKey), nonce);
  cipher.setAAD(Buffer.from(context, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${nonce.toString("base64url")}.${body.toString("base64url")}`;
}

/** Throws when the text was not sealed with this key and context (or was altered). */
export function open(secretKey: string, sealed: string, context: string): string {
  const [version, nonceText, bodyText, extra] = sealed.split(".");
  if (version !== VERSION || !nonceText || !bodyText || extra !== undefined) throw new Error("not a sealed secret");
  const nonce = Buffer.from(nonceText, "base64url");
  const body = Buffer.from(bodyText, "base64url");
  if (nonce.length !== 12 || body.length < 16) throw new Error("not a sealed secret");
  const decipher = createDecipheriv("aes-256-gcm", keyOf(secretKey), nonce);
  decipher.setAAD(Buffer.from(context, "utf8"));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString("utf8");
}
