/** Names and errors the hub's halves share: tool naming (`<server>__<tool>`) and JSON-RPC errors. */

/** JSON-RPC error codes the hub answers with (denials match the gateway's MCP refusals). */
export const DENIED = -32001;

/** A JSON-RPC error whose message reaches the client as written (McpError prefixes its own). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const SEP = '__';

/** Splits `<server>__<name>` (server names have no underscores, so the first `__` is the seam). */
export function splitName(name: string): [string, string] | undefined {
  const i = name.indexOf(SEP);
  return i > 0 ? [name.slice(0, i), name.slice(i + SEP.length)] : undefined;
}
