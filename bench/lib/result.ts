import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface BenchPeer {
  name: string;
  version?: string;
  /** What it stands for in the comparison ("floor: plain proxy", "LLM-gateway peer"). */
  role?: string;
}

export interface BenchResult {
  figures: Record<string, number>;
  peers: BenchPeer[];
  /** Extra rows for the printed table: label → value. */
  table?: Record<string, string | number>;
  notes?: string[];
}

export const quick = process.argv.includes('--quick');

/** Prints the figures as a table and writes bench/results/NAME.json. */
export function writeResult(name: string, result: BenchResult): void {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    node: process.versions.node,
  };
  const out = {
    figures: result.figures,
    peers: result.peers,
    machine,
    date: new Date().toISOString(),
    quick,
    notes: result.notes ?? [],
  };
  writeFileSync(`${dir}${name}.json`, `${JSON.stringify(out, null, 2)}\n`);
  const rows = { ...result.figures, ...(result.table ?? {}) };
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  console.log(`\n${name}${quick ? ' (quick)' : ''}`);
  for (const [k, v] of Object.entries(rows))
    console.log(`  ${k.padEnd(width)}  ${typeof v === 'number' ? round(v) : v}`);
  if (result.peers.length) console.log(`  peers: ${result.peers.map((p) => p.name).join(', ')}`);
  for (const n of result.notes ?? []) console.log(`  note: ${n}`);
}

export function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n * 10) / 10 : Math.round(n * 1000) / 1000;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
