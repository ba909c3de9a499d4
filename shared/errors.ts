/**
 * An error with a stable code and a sentence a user can act on. Thrown anywhere in the core;
 * transports turn it into `{ error: { code, message } }`. Never put a secret in the message.
 */
export class GatehouseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'GatehouseError';
  }
}

export const isGatehouseError = (e: unknown): e is GatehouseError => e instanceof GatehouseError;
