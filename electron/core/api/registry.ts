import type { z } from 'zod';
import type { OutputOf, ParsedInputOf, Procedure, ProcedureMap } from '../../../shared/api/contract.js';
import { procedures, type Procedures } from '../../../shared/api/index.js';
import { GatehouseError } from '../../../shared/errors.js';

/** Who is calling: shown in the ledger for configuration changes and kill-switch events. */
export interface CallContext {
  actor: string;
}

export type Handler<P extends Procedure> = (
  input: ParsedInputOf<P>,
  ctx: CallContext,
) => Promise<OutputOf<P>> | OutputOf<P>;

export type Handlers<M extends ProcedureMap> = { [K in keyof M]: Handler<M[K]> };

/**
 * The control API: every procedure declared in shared/api, implemented once, called by both
 * transports. Input is validated with zod here (the caller is not trusted); output is checked
 * so a handler cannot leak a field the contract does not name.
 */
export class ControlApi {
  constructor(private readonly handlers: Partial<Handlers<Procedures>>) {}

  has(name: string): name is keyof Procedures {
    return Object.hasOwn(procedures, name) && Object.hasOwn(this.handlers, name);
  }

  names(): string[] {
    return Object.keys(procedures).filter((n) => Object.hasOwn(this.handlers, n));
  }

  async call(name: string, rawInput: unknown, ctx: CallContext): Promise<unknown> {
    if (!this.has(name)) throw new GatehouseError('unknown_procedure', `No procedure named "${name}".`, 404);
    const proc = procedures[name] as Procedure;
    const parsed = proc.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      throw new GatehouseError(
        'bad_input',
        `Invalid input for ${name}: ${describeIssues(parsed.error)}`,
        400,
      );
    }
    const handler = this.handlers[name] as unknown as (i: unknown, c: CallContext) => unknown;
    const result = await handler(parsed.data, ctx);
    const out = proc.output.safeParse(result);
    if (!out.success) {
      throw new GatehouseError('internal', `The ${name} handler returned an invalid result.`, 500);
    }
    return out.data;
  }
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}
