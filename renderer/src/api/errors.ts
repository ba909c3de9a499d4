/** A control-API error as the console sees it: a stable code and a sentence a user can act on. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The transport's answer: `{ result }` or `{ error }`; anything else is a broken server. */
export function unwrapEnvelope(body: unknown, status = 0): unknown {
  if (body && typeof body === 'object') {
    if ('error' in body) {
      const e = (body as { error?: { code?: unknown; message?: unknown } }).error;
      const code = typeof e?.code === 'string' ? e.code : 'error';
      const message = typeof e?.message === 'string' ? e.message : 'The request failed.';
      throw new ApiError(code, message, status);
    }
    if ('result' in body) return (body as { result: unknown }).result;
  }
  throw new ApiError('bad_response', 'The Gatehouse core sent an answer the console cannot read.', status);
}

export const isUnavailable = (e: unknown): boolean =>
  e instanceof ApiError && (e.code === 'unknown_procedure' || e.code === 'not_available');
