import { format } from 'node:util';

export interface Log {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  /** Values that must never appear in a log line (vault secrets); replaced by [REDACTED]. */
  addRedactions(values: Iterable<string>): void;
}

/** A small logger to stderr that scrubs known secret values from every line before it is written. */
export function createLog(write: (line: string) => void = (l) => process.stderr.write(l)): Log {
  const secrets = new Set<string>();
  const emit = (level: string, args: unknown[]) => {
    let line = format(...args);
    for (const s of secrets) if (s.length >= 6 && line.includes(s)) line = line.split(s).join('[REDACTED]');
    write(`${new Date().toISOString()} ${level} ${line}\n`);
  };
  return {
    info: (...a) => emit('info', a),
    warn: (...a) => emit('warn', a),
    error: (...a) => emit('error', a),
    addRedactions(values) {
      for (const v of values) secrets.add(v);
    },
  };
}
