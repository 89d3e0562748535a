import { timingSafeEqual } from "node:crypto";
import { type Db, getServerSetting, randomToken, setServerSetting, sha256 } from "@gateway/db";

const SETTING = "admin_token_sha256";

/** Checks a presented admin token in constant time against the one configured or stored. */
export interface AdminAuth {
  verify(token: string | undefined | null): boolean;
}

export interface AdminTokenSetup {
  auth: AdminAuth;
  /** Set only on the first start without ADMIN_TOKEN: the generated token, to print once. */
  generated?: string;
}

/**
 * ADMIN_TOKEN wins when set. Otherwise the stored hash is used; on a first start a token is
 * generated, only its SHA-256 is stored, and the token itself is returned once for printing.
 */
export function setupAdminToken(db: Db, configured: string | undefined): AdminTokenSetup {
  let expected: string;
  let generated: string | undefined;
  if (configured) {
    expected = sha256(configured);
  } else {
    const stored = getServerSetting(db, SETTING);
    if (stored) {
      expected = stored;
    } else {
      generated = `adm_${randomToken(40)}`;
      expected = sha256(generated);
      setServerSetting(db, SETTING, expected);
    }
  }
  const expectedBytes = Buffer.from(expected, "hex");
  const auth: AdminAuth = {
    verify(token) {
      if (!token || token.length > 512) return false;
      return timingSafeEqual(Buffer.from(sha256(token), "hex"), expectedBytes);
    },
  };
  return generated ? { auth, generated } : { auth };
}

/** Replaces the stored admin token with a new one and returns it (for `--reset-admin-token`). */
export function resetAdminToken(db: Db): string {
  const token = `adm_${randomToken(40)}`;
  setServerSetting(db, SETTING, sha256(token));
  return token;
}
