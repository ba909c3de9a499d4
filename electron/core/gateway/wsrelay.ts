import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { GatewayDeps } from './deps.js';
import type { InFlight } from './inflight.js';
import type { Pipeline, RequestContext } from './pipeline.js';
import type { GatewayCounters } from './stats.js';
import type { ResponsesCalls } from './wscalls.js';
import { closeFrame, encodeFrame, FrameError, MessageReader, OP, type Message } from './wsframe.js';

export interface RelayServices {
  deps: GatewayDeps;
  pipeline: Pipeline;
  counters: GatewayCounters;
  inflight: InFlight;
  maxMessageBytes: number;
}

export interface RelayConnection {
  ctx: RequestContext;
  base: { agent: string; run: string; service: string; operation: string };
  connId: string;
  t0: number;
  secrets: string[];
  calls: ResponsesCalls | undefined;
}

/**
 * Relays frames both ways once the upgrade is done: agent messages admitted in order (a
 * response.create may await the ledger), upstream messages redacted (known secrets, response
 * guardrails) and fed to the Responses calls; registered in-flight so the kill switch can cut it.
 */
export function relayFrames(
  s: RelayServices,
  client: Duplex,
  clientHead: Buffer,
  up: Duplex,
  upHead: Buffer,
  c: RelayConnection,
): void {
  const { agent, service } = c.base;
  (up as Duplex & { setTimeout?(ms: number): void }).setTimeout?.(0);
  (up as Duplex & { setNoDelay?(b: boolean): void }).setNoDelay?.(true);
  (client as Duplex & { setNoDelay?(b: boolean): void }).setNoDelay?.(true);
  s.counters.started(agent, service);
  let killed: string | undefined;
  let closed = false;
  let bytesIn = 0;
  let bytesOut = 0;
  const fromClient = new MessageReader(s.maxMessageBytes);
  const fromUp = new MessageReader(s.maxMessageBytes);
  const entry = s.inflight.add({
    agent,
    service,
    operation: c.base.operation,
    door: c.ctx.door,
    abort: (reason) => {
      killed = reason;
      if (client.writable)
        client.end(closeFrame(1008, 'Gatehouse: the kill switch cut this connection', false));
      up.destroy();
      setTimeout(() => client.destroy(), 200).unref();
    },
  });
  const end = (status: string): void => {
    if (closed) return;
    closed = true;
    s.inflight.delete(entry.id);
    s.counters.finished(agent, service);
    c.calls?.closeAll(killed ? 'killed' : 'incomplete');
    s.pipeline.record({
      ...c.base,
      kind: 'response',
      parent: c.connId,
      status: killed ? 'killed' : status,
      latencyMs: performance.now() - c.t0,
      requestBytes: bytesIn,
      responseBytes: bytesOut,
      summary: `${c.base.operation} closed${killed ? ' by the kill switch' : ''}`,
      payload: { websocket: true },
    });
    up.destroy();
    if (!killed) client.destroy();
  };
  const protocolError = (who: 'agent' | 'upstream'): void => {
    if (client.writable) client.write(closeFrame(1002, `Gatehouse: bad frame from the ${who}`, false));
    end('error');
  };

  // Agent → upstream: messages are admitted in order (a response.create may await the ledger).
  let chain: Promise<void> = Promise.resolve();
  const onClient = (chunk: Buffer): void => {
    bytesIn += chunk.length;
    let msgs: Message[];
    try {
      msgs = fromClient.push(chunk);
    } catch (e) {
      if (e instanceof FrameError) return protocolError('agent');
      throw e;
    }
    if (!msgs.length) return;
    client.pause();
    chain = chain
      .then(async () => {
        for (const m of msgs) {
          if (closed) return;
          const out = c.calls && m.opcode === OP.text ? await c.calls.fromAgent(m) : { forward: m.raw };
          if (out.reply && client.writable) client.write(encodeFrame(OP.text, Buffer.from(out.reply), false));
          if (out.close) return end('error');
          for (const raw of out.forward ?? []) up.write(raw);
        }
      })
      .catch(() => end('error'))
      .finally(() => {
        if (!closed) client.resume();
      });
  };

  // Upstream → agent: secrets redacted, Responses events fed to the parser.
  const onUp = (chunk: Buffer): void => {
    bytesOut += chunk.length;
    let msgs: Message[];
    try {
      msgs = fromUp.push(chunk);
    } catch (e) {
      if (e instanceof FrameError) return protocolError('upstream');
      throw e;
    }
    for (const m of msgs) {
      if (m.opcode !== OP.text) {
        for (const raw of m.raw) client.write(raw);
        continue;
      }
      let text = m.payload.toString('utf8');
      let changed = false;
      for (const s of c.secrets)
        if (s.length >= 6 && text.includes(s)) {
          text = text.split(s).join('[REDACTED]');
          changed = true;
        }
      const guard = s.deps.guardrails?.scan(text, 'response', {
        agent: c.ctx.agent,
        service: c.base.service,
      });
      if (guard && guard.detections.length) {
        const kinds = [...new Set(guard.detections.map((d) => d.kind))];
        s.pipeline.record({
          ...c.base,
          kind: 'guardrail',
          parent: c.connId,
          status: guard.action,
          rule: `guardrail:${kinds.join(',')}`,
          summary: `response message ${guard.action}: ${kinds.join(', ')}`,
          payload: {
            where: 'response',
            action: guard.action,
            detections: guard.detections,
            websocket: true,
          },
        });
        if (guard.action === 'block') {
          if (client.writable)
            client.write(
              closeFrame(1008, `Gatehouse: response blocked (guardrail:${kinds.join(',')})`, false),
            );
          return end('blocked');
        }
        if (guard.action === 'redact') {
          text = guard.text;
          changed = true;
        }
      }
      c.calls?.fromUpstream(text);
      const ok = changed
        ? client.write(encodeFrame(OP.text, Buffer.from(text), false))
        : m.raw.map((r) => client.write(r)).every(Boolean);
      if (!ok) {
        up.pause();
        client.once('drain', () => up.resume());
      }
    }
  };

  client.on('data', onClient);
  up.on('data', onUp);
  client.on('close', () => end('ok'));
  up.on('close', () => {
    // Let the agent read what is still buffered, then close.
    if (client.writable) client.end();
    end('ok');
  });
  client.on('error', () => end('error'));
  up.on('error', () => end('error'));
  if (upHead.length) onUp(upHead);
  if (clientHead.length) onClient(clientHead);
}
