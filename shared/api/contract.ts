import { z } from 'zod';

/** One control-API procedure: a name (the key it is registered under), its input and its output. */
export interface Procedure<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
  /** A sentence for `--help` and the API listing. */
  readonly summary: string;
}

export function procedure<I extends z.ZodType, O extends z.ZodType>(
  summary: string,
  input: I,
  output: O,
): Procedure<I, O> {
  return { summary, input, output };
}

export type ProcedureMap = Record<string, Procedure>;
export type InputOf<P> = P extends Procedure<infer I, z.ZodType> ? z.input<I> : never;
export type ParsedInputOf<P> = P extends Procedure<infer I, z.ZodType> ? z.output<I> : never;
export type OutputOf<P> = P extends Procedure<z.ZodType, infer O> ? z.output<O> : never;

/** How an error crosses a transport: a stable code and a sentence a user can act on. */
export const apiErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiErrorBody = z.infer<typeof apiErrorSchema>;
