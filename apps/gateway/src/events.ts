import { EventEmitter } from "node:events";

/** In-process notifications between the admin side and the MCP side of the gateway. */
export interface GatewayEventMap {
  /** A gateway's enabled capabilities or their settings changed: its tool list may differ. */
  "tools-changed": [gatewayId: string];
  /** A gateway was deleted or one of its keys revoked: open MCP sessions must re-check auth. */
  "access-changed": [gatewayId: string];
}

export class GatewayEvents extends EventEmitter<GatewayEventMap> {
  constructor() {
    super();
    // Every open MCP session listens; there can be many.
    this.setMaxListeners(0);
  }
}
