import { createHash, randomBytes } from "node:crypto";

const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A random lower-case base-36 string of `length` characters (unbiased). */
export function randomToken(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 252 && out.length < length) out += alphabet[byte % 36];
    }
  }
  return out;
}

/** `gw_k3j…`: a prefixed random id. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(16)}`;
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
