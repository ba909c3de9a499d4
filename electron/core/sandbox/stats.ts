import type Docker from 'dockerode';

interface CpuSample {
  total: number;
  system: number;
  cpus: number;
}
export type UsageSampler = Map<string, CpuSample>;

interface RawStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: { cache?: number; inactive_file?: number } };
  pids_stats?: { current?: number };
}

/**
 * One stats sample (Docker's one-shot mode, so no 1-second wait). CPU% needs two samples: the
 * previous one is kept per sandbox, so the first listing shows null.
 */
export async function sampleUsage(
  container: Docker.Container,
  key: string,
  previous: UsageSampler,
): Promise<{ cpuPercent: number | null; memoryMb: number; memoryLimitMb: number; pids: number } | undefined> {
  let s: RawStats;
  try {
    s = (await container.stats({ stream: false, 'one-shot': true } as { stream: false })) as RawStats;
  } catch {
    return undefined;
  }
  const mem = s.memory_stats ?? {};
  const cache = mem.stats?.inactive_file ?? mem.stats?.cache ?? 0;
  const sample: CpuSample = {
    total: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
    system: s.cpu_stats?.system_cpu_usage ?? 0,
    cpus: s.cpu_stats?.online_cpus ?? 1,
  };
  const prev = previous.get(key);
  previous.set(key, sample);
  let cpuPercent: number | null = null;
  if (prev && sample.system > prev.system) {
    cpuPercent =
      Math.round(((sample.total - prev.total) / (sample.system - prev.system)) * sample.cpus * 1000) / 10;
  }
  const mb = (b: number) => Math.round((b / (1024 * 1024)) * 10) / 10;
  return {
    cpuPercent,
    memoryMb: mb(Math.max(0, (mem.usage ?? 0) - cache)),
    memoryLimitMb: mb(mem.limit ?? 0),
    pids: s.pids_stats?.current ?? 0,
  };
}
