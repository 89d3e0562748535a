import { type Db, findGateway, verifyAgentKey } from "@gateway/db";
import type { SessionOwner } from "./legacy-sessions.ts";

/** The secret of an `Authorization: Bearer <secret>` header, if it has that form. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? "");
  return match?.[1];
}

/**
 * Checks an agent key against the gateway named by id or slug. Returns undefined for a missing,
 * malformed, wrong, revoked or foreign key and for an unknown gateway alike; an unknown gateway
 * still costs a key lookup, so timing does not tell it apart either.
 */
export function authenticate(
  db: Db,
  idOrSlug: string,
  authorization: string | undefined,
): SessionOwner | undefined {
  const gateway = findGateway(db, idOrSlug);
  const secret = bearerToken(authorization);
  if (!secret) return undefined;
  const key = verifyAgentKey(db, gateway?.id ?? "", secret);
  if (!gateway || !key) return undefined;
  return { gatewayId: gateway.id, keyId: key.id };
}
