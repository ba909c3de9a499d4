import type { In, Out, ProcName } from './procedures.js';
import { pickTransport, type Transport } from './transport.js';

let transport: Transport | undefined;

export function currentTransport(): Transport {
  transport ??= pickTransport();
  return transport;
}

/** For tests and the bench: talk to a specific core. */
export function setTransport(t: Transport): void {
  transport = t;
}

/** The one typed client: every screen calls the core through this. */
export function call<K extends ProcName>(name: K, input: In<K>): Promise<Out<K>> {
  return currentTransport().call(name, input) as Promise<Out<K>>;
}
