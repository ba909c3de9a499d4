import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { createDocker, probeEngine } from './engine.js';
import {
  buildOfflineImage,
  GIT_LABEL,
  hostHasGit,
  imageExists,
  imageLabels,
  OFFLINE_IMAGE,
  AGENT_UID,
} from './image.js';

/**
 * For tests that need a real Docker engine: resolves the engine, or explains why not. With
 * GATEHOUSE_REQUIRE_DOCKER=1 (CI) a missing engine is a failure, not a skip.
 */
export async function dockerForTests(): Promise<{ docker?: Docker; reason?: string }> {
  const docker = createDocker();
  const status = await probeEngine(docker);
  if (status.reachable) return { docker };
  const reason = `no Docker engine (${status.endpoint}): ${status.problem} ${status.fix}`;
  if (process.env.GATEHOUSE_REQUIRE_DOCKER === '1')
    throw new Error(`GATEHOUSE_REQUIRE_DOCKER=1 but ${reason}`);
  console.warn(`skipping Docker tests: ${reason}`);
  return { reason };
}

/** The offline image, built once if missing (or built before it carried git, where the host has it). */
export async function ensureOfflineImage(docker: Docker): Promise<string> {
  const labels = (await imageExists(docker, OFFLINE_IMAGE))
    ? await imageLabels(docker, OFFLINE_IMAGE)
    : undefined;
  const stale = labels !== undefined && hostHasGit() && !labels[GIT_LABEL];
  if (!labels || stale) await buildOfflineImage(docker, () => {});
  return OFFLINE_IMAGE;
}

/** A temp folder owned by the image's agent user (tests run as root), removed by the returned dispose. */
export function tempWorkspace(prefix = 'gh-ws-'): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.getuid?.() === 0) chownSync(dir, AGENT_UID, AGENT_UID);
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A minimal door for tests that run without the gateway: a real HTTP server per unix socket that
 * answers /gate/whoami with the socket's agent (identity = the channel) and echoes anything else.
 */
export class EchoDoors {
  private readonly servers = new Map<string, import('node:http').Server>();
  readonly seen: { agent: string; method: string; url: string }[] = [];

  async openSandboxDoor(
    agent: { id: string; name: string; template: string; sandboxed: boolean },
    socketPath: string,
  ): Promise<void> {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      this.seen.push({ agent: agent.id, method: req.method ?? '', url: req.url ?? '' });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/gate/whoami') return res.end(JSON.stringify({ agent }));
      if (req.url === '/gate/tools')
        return res.end(
          JSON.stringify({ tools: [{ server: 'echo', name: 'say', description: 'Echo' }], services: [] }),
        );
      res.end(JSON.stringify({ agent: agent.id, url: req.url }));
    });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    this.servers.set(agent.id, server);
  }

  async closeSandboxDoor(agentId: string): Promise<void> {
    const s = this.servers.get(agentId);
    this.servers.delete(agentId);
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}
