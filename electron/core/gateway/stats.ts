import type { GatewayStats } from '../../../shared/api/gateway.js';

interface Bucket {
  requests: number;
  denials: number;
  inFlight: number;
}

/** Counters for gateway.stats; cheap enough to bump on every request. */
export class GatewayCounters {
  total = 0;
  denials = 0;
  errors = 0;
  private readonly perAgent = new Map<string, Bucket>();
  private readonly perService = new Map<string, Bucket>();
  private readonly byRule = new Map<string, number>();
  /** Requests per second over a sliding window of whole seconds. */
  private readonly window: number[] = [0, 0, 0, 0, 0];
  private windowSecond = Math.floor(Date.now() / 1000);

  started(agent: string, service: string): void {
    this.total++;
    this.tick();
    this.window[this.window.length - 1]! += 1;
    const a = bucket(this.perAgent, agent);
    const s = bucket(this.perService, service);
    a.requests++;
    s.requests++;
    a.inFlight++;
    s.inFlight++;
  }

  finished(agent: string, service: string): void {
    bucket(this.perAgent, agent).inFlight--;
    bucket(this.perService, service).inFlight--;
  }

  denied(agent: string, service: string, rule: string): void {
    this.denials++;
    bucket(this.perAgent, agent).denials++;
    bucket(this.perService, service).denials++;
    this.byRule.set(rule, (this.byRule.get(rule) ?? 0) + 1);
  }

  error(): void {
    this.errors++;
  }

  snapshot(extra: { address?: string; inFlight: number; sandboxDoors: number }): GatewayStats {
    this.tick();
    const full = this.window.slice(0, -1);
    const rps = full.reduce((a, b) => a + b, 0) / full.length;
    const out: GatewayStats = {
      requestsPerSecond: Math.round(rps * 10) / 10,
      inFlight: extra.inFlight,
      total: this.total,
      denials: this.denials,
      errors: this.errors,
      perAgent: Object.fromEntries([...this.perAgent].map(([k, v]) => [k, { ...v }])),
      perService: Object.fromEntries([...this.perService].map(([k, v]) => [k, { ...v }])),
      denialsByRule: Object.fromEntries(this.byRule),
      sandboxDoors: extra.sandboxDoors,
    };
    if (extra.address) out.address = extra.address;
    return out;
  }

  private tick(): void {
    const now = Math.floor(Date.now() / 1000);
    const steps = Math.min(now - this.windowSecond, this.window.length);
    for (let i = 0; i < steps; i++) {
      this.window.shift();
      this.window.push(0);
    }
    this.windowSecond = now;
  }
}

function bucket(m: Map<string, Bucket>, key: string): Bucket {
  let b = m.get(key);
  if (!b) {
    b = { requests: 0, denials: 0, inFlight: 0 };
    m.set(key, b);
  }
  return b;
}
