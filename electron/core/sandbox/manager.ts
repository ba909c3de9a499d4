import { chmodSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { GatehouseError } from '../../../shared/errors.js';
import type {
  CreateSandboxInput,
  LogEntry,
  SandboxInfo,
  SandboxSettings,
} from '../../../shared/api/sandboxes.js';
import type { Agent } from '../agents/registry.js';
import { engineEndpoint, probeEngine } from './engine.js';
import {
  AGENT_UID,
  DEFAULT_IMAGE,
  LAUNCHER_LABEL,
  OFFLINE_IMAGE,
  imageExists,
  imageLabels,
} from './image.js';
import { gateDir, resourcesDir, socketDir } from './paths.js';
import type { SandboxDeps } from './ports.js';
import { checkWorkspace, containerOptions, DEFAULT_LIMITS, LABELS, type SandboxLimits } from './spec.js';
import { SandboxStore, type SandboxRecord, type SandboxState } from './store.js';
import { getTemplate, resolveCommand } from './templates.js';
import { writeCaDir } from './ca-files.js';
import { agentCacheDir, ensureAgentPackage } from './agent-packages.js';
import { EngineWatcher } from './watcher.js';
import { sampleUsage, type UsageSampler } from './stats.js';
import { readLogs, followLogs } from './logs.js';
import { TerminalSessions } from './terminal.js';
import { restoreSandboxes } from './restore.js';

/** The kill switch's scope, structurally: only global and agent scopes reach sandboxes. */
export interface KillScopeLike {
  kind: string;
  agent?: string;
}

const DOCKER_STATES: Record<string, SandboxState> = {
  created: 'created',
  running: 'running',
  paused: 'paused',
  restarting: 'running',
  removing: 'exited',
  exited: 'exited',
  dead: 'dead',
};

/**
 * Sandboxes: Docker containers whose only way out is the gateway. Owns their lifecycle, their
 * gateway doors (one unix socket each) and their records; Docker's wire format stays in this folder.
 */
export class SandboxManager {
  readonly store: SandboxStore;
  readonly instance: string;
  readonly terminals: TerminalSessions;
  private readonly watcher: EngineWatcher;
  private readonly openDoors = new Set<string>();
  private readonly usage: UsageSampler = new Map();

  constructor(private readonly deps: SandboxDeps) {
    this.store = new SandboxStore(deps.db);
    this.instance = createHash('sha256').update(deps.dataDir).digest('hex').slice(0, 12);
    this.watcher = new EngineWatcher(deps, this.store, this.instance);
    this.terminals = new TerminalSessions(deps.docker);
  }

  get docker(): Docker {
    return this.deps.docker;
  }

  /** Follows engine events and re-attaches (or cleans up) what survived a restart, by setting. */
  async open(): Promise<void> {
    // If the engine is down now, the sandboxes that survived are restored once it answers again.
    this.watcher.onConnect(() => {
      if (this.restorePending) void this.restore();
    });
    this.watcher.start();
    await this.restore();
  }

  private restorePending = false;
  private restoring: Promise<void> | undefined;

  private restore(): Promise<void> {
    this.restoring ??= restoreSandboxes(this, this.settings().onRestart)
      .then((r) => {
        this.restorePending = !r.reached;
        if (r.reached && (r.reattached || r.removed))
          this.deps.live.publish('sandboxes.changed', { restored: r });
      })
      .finally(() => (this.restoring = undefined));
    return this.restoring;
  }

  async close(): Promise<void> {
    this.terminals.closeAll();
    this.watcher.stop();
    for (const agentId of [...this.openDoors]) await this.closeDoor(agentId);
  }

  settings(): SandboxSettings {
    const raw = this.store.setting('settings');
    const saved = raw ? (JSON.parse(raw) as Partial<SandboxSettings>) : {};
    return {
      onRestart: saved.onRestart ?? 'reattach',
      defaultImage: saved.defaultImage ?? '',
      limits: { ...DEFAULT_LIMITS, ...saved.limits },
    };
  }

  setSettings(patch: Partial<SandboxSettings>): SandboxSettings {
    const next = { ...this.settings(), ...patch };
    this.store.setSetting('settings', JSON.stringify(next));
    this.deps.live.publish('sandboxes.changed', { settings: true });
    return next;
  }

  async defaultImage(): Promise<string> {
    const configured = this.settings().defaultImage;
    if (configured) return configured;
    return (await imageExists(this.docker, DEFAULT_IMAGE)) ? DEFAULT_IMAGE : OFFLINE_IMAGE;
  }

  async create(input: CreateSandboxInput): Promise<SandboxInfo> {
    const template = getTemplate(input.template);
    const command = resolveCommand(template, input.command, input.replaceCommand);
    const workspace = checkWorkspace(input.workspace, this.deps.dataDir, this.deps.env);
    this.refuseSecrets(input.env ?? {});
    const image = input.image ?? (await this.defaultImage());
    const agentPackage = await this.agentPackage(template.name, input.image === undefined);
    const labels = await imageLabels(this.docker, image);
    if (!labels) {
      const engine = await probeEngine(this.docker, engineEndpoint(this.deps.env));
      if (!engine.reachable)
        throw new GatehouseError('engine_unreachable', `${engine.problem} ${engine.fix}`, 503);
      throw new GatehouseError(
        'image_missing',
        `The image ${image} is not present. Build it with \`gatehouse sandbox image build\` (or pull your own and pass --image).`,
        400,
      );
    }
    const id = `sbx_${randomBytes(6).toString('hex')}`;
    const name = input.name ?? `${template.name}-${id.slice(4, 10)}`;
    if (this.store.get(name))
      throw new GatehouseError('sandbox_exists', `A sandbox named "${name}" already exists.`, 409);
    const limits: SandboxLimits = { ...this.settings().limits, ...input.limits };
    const agent = this.registerAgent(name, template.name, template.policyStanza, id);
    const runId = this.deps.ledger?.newRunId?.() ?? null;
    if (runId) this.deps.agents?.setRunId?.(agent.id, runId);
    const record: SandboxRecord = {
      id,
      name,
      agentId: agent.id,
      template: template.name,
      image,
      workspace,
      command,
      containerId: null,
      state: 'creating',
      exitCode: null,
      runId,
      limits,
      createdAt: new Date().toISOString(),
    };
    try {
      await this.openDoor(agent);
      const owner = statSync(workspace);
      // Run as the workspace's owner so files the agent writes belong to the user; never as root.
      const uid = owner.uid === 0 ? AGENT_UID : owner.uid;
      const gid = owner.uid === 0 ? AGENT_UID : owner.gid;
      const caDir = writeCaDir(this.deps.dataDir, this.deps.caCertPem?.());
      const opts = containerOptions({
        sandboxId: id,
        name: `gatehouse-${this.instance.slice(0, 6)}-${name}`,
        instance: this.instance,
        agent,
        template,
        image,
        command,
        workspace,
        socketDir: socketDir(this.deps.dataDir, agent.id),
        gateDir: gateDir(),
        ...(caDir ? { caDir } : {}),
        ...(template.mountResources ? { extraResources: join(resourcesDir(), template.mountResources) } : {}),
        ...(agentPackage ? { agentPackage } : {}),
        limits,
        uid,
        gid,
        env: input.env ?? {},
        ...(labels[LAUNCHER_LABEL] ? { launcher: labels[LAUNCHER_LABEL] } : {}),
      });
      if (runId) opts.Labels = { ...opts.Labels, 'dev.gatehouse.run': runId };
      this.store.insert(record);
      const container = await this.docker.createContainer(opts);
      this.store.update(id, { containerId: container.id, state: 'created' });
      await container.start();
      this.store.update(id, { state: 'running' });
    } catch (e) {
      await this.discard(record);
      if (e instanceof GatehouseError) throw e;
      throw new GatehouseError(
        'sandbox_create_failed',
        `The sandbox could not be started: ${(e as Error).message}`,
        500,
      );
    }
    return this.info(id);
  }

  /**
   * The template's agent CLI (Claude Code, Codex) from the host's agent cache, installed with npm on
   * first use. With a caller's own image a failed install is not fatal (the image may carry the CLI).
   */
  private async agentPackage(template: string, required: boolean): Promise<string | undefined> {
    const install = this.deps.env?.GATEHOUSE_AGENT_INSTALL !== '0';
    try {
      return await ensureAgentPackage(
        template,
        agentCacheDir(this.deps.dataDir, this.deps.env ?? process.env),
        install,
      );
    } catch (e) {
      if (required) throw e;
      return undefined;
    }
  }

  /** Placeholders only: a variable that carries a credential Gatehouse holds never reaches a sandbox. */
  private refuseSecrets(env: Record<string, string>): void {
    const secrets = [...(this.deps.secretValues?.() ?? [])].filter((v) => v.length >= 8);
    for (const [k, v] of Object.entries(env)) {
      if (secrets.some((secret) => v.includes(secret))) {
        throw new GatehouseError(
          'secret_in_env',
          `The variable ${k} carries a credential from the vault. Sandboxes get placeholders only: bind the credential to a service and let the gateway inject it.`,
          400,
        );
      }
    }
  }

  private registerAgent(name: string, template: string, policy: string, sandboxId: string): Agent {
    const labels = { policy, sandbox: sandboxId };
    if (this.deps.agents) return this.deps.agents.create({ name, template, labels, sandboxed: true });
    return { id: name, name, template, labels, sandboxed: true, createdAt: new Date().toISOString() };
  }

  /** Opens (or re-opens) the agent's gateway door on its own socket. */
  async openDoor(agent: Agent): Promise<void> {
    const dir = socketDir(this.deps.dataDir, agent.id);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    const sock = join(dir, 'gateway.sock');
    if (this.deps.doors) {
      rmSync(sock, { force: true });
      await this.deps.doors.openSandboxDoor(agent, sock);
      // The container user is not the host user; the data dir (0700) still keeps other host users out.
      if (existsSync(sock)) chmodSync(sock, 0o666);
    }
    this.openDoors.add(agent.id);
  }

  async closeDoor(agentId: string): Promise<void> {
    if (this.openDoors.delete(agentId)) await this.deps.doors?.closeSandboxDoor(agentId);
  }

  agentFor(r: SandboxRecord): Agent {
    const known = this.deps.agents?.get(r.agentId);
    if (known) return known;
    const a: Agent = {
      id: r.agentId,
      name: r.agentId,
      template: r.template,
      labels: { sandbox: r.id },
      sandboxed: true,
      createdAt: r.createdAt,
    };
    if (r.runId) a.runId = r.runId;
    return a;
  }

  private require(id: string): SandboxRecord {
    const r = this.store.get(id);
    if (!r)
      throw new GatehouseError(
        'unknown_sandbox',
        `No sandbox named "${id}". See \`gatehouse sandbox ls\`.`,
        404,
      );
    return r;
  }

  private container(r: SandboxRecord): Docker.Container {
    if (!r.containerId)
      throw new GatehouseError('sandbox_not_created', `The sandbox ${r.name} has no container.`, 409);
    return this.docker.getContainer(r.containerId);
  }

  async start(id: string): Promise<SandboxInfo> {
    const r = this.require(id);
    if (!this.openDoors.has(r.agentId)) await this.openDoor(this.agentFor(r));
    await this.engine(() => this.container(r).start(), r, 'start');
    return this.info(r.id);
  }

  async stop(id: string, timeoutSeconds = 10): Promise<SandboxInfo> {
    const r = this.require(id);
    await this.engine(() => this.container(r).stop({ t: timeoutSeconds }), r, 'stop');
    return this.info(r.id);
  }

  async pause(id: string): Promise<SandboxInfo> {
    const r = this.require(id);
    await this.engine(() => this.container(r).pause(), r, 'pause');
    return this.info(r.id);
  }

  async resume(id: string): Promise<SandboxInfo> {
    const r = this.require(id);
    await this.engine(() => this.container(r).unpause(), r, 'resume');
    return this.info(r.id);
  }

  async remove(id: string): Promise<boolean> {
    const r = this.require(id);
    await this.discard(r);
    return true;
  }

  /** Removes the container, the door, the socket folder, the agent and the record. */
  async discard(r: SandboxRecord): Promise<void> {
    this.terminals.closeFor(r.containerId ?? '');
    const containerId = this.store.get(r.id)?.containerId ?? r.containerId;
    if (containerId) {
      await this.docker
        .getContainer(containerId)
        .remove({ force: true })
        .catch((e: { statusCode?: number }) => {
          if (e.statusCode !== 404) throw e;
        });
    }
    await this.closeDoor(r.agentId);
    rmSync(socketDir(this.deps.dataDir, r.agentId), { recursive: true, force: true });
    this.deps.agents?.remove(r.agentId);
    this.store.delete(r.id);
    this.usage.delete(r.id);
    this.deps.live.publish('sandboxes.changed', { id: r.id, event: 'removed' });
  }

  /** Resolves with the exit code once the sandbox's command ends. */
  async wait(id: string): Promise<{ exitCode: number }> {
    const r = this.require(id);
    const res = (await this.container(r).wait()) as { StatusCode: number };
    this.store.update(r.id, { state: 'exited', exitCode: res.StatusCode });
    return { exitCode: res.StatusCode };
  }

  async logs(
    id: string,
    opts: { since?: string; tail?: number } = {},
  ): Promise<{ entries: LogEntry[]; running: boolean; exitCode: number | null }> {
    const r = this.require(id);
    const entries = await readLogs(this.container(r), opts);
    const info = await this.container(r).inspect();
    return {
      entries,
      running: info.State.Running,
      exitCode: info.State.Running ? null : info.State.ExitCode,
    };
  }

  /** Streams output as it happens; returns the dispose. */
  followLogs(id: string, onEntry: (e: LogEntry) => void, onEnd?: () => void): Promise<() => void> {
    return followLogs(this.container(this.require(id)), onEntry, onEnd);
  }

  async openTerminal(id: string, size: { cols: number; rows: number }, command?: string[]): Promise<string> {
    const r = this.require(id);
    return this.terminals.open(r.containerId ?? '', size, command);
  }

  /** Kill switch: pause or stop the running sandboxes in scope. Returns how many. */
  async haltScope(scope: KillScopeLike, action: 'pause' | 'stop'): Promise<number> {
    const targets = this.inScope(scope, 'running');
    await Promise.all(
      targets.map((r) => (action === 'pause' ? this.pause(r.id) : this.stop(r.id, 2)).catch(() => undefined)),
    );
    return targets.length;
  }

  async resumeScope(scope: KillScopeLike): Promise<number> {
    const targets = this.inScope(scope, 'paused');
    await Promise.all(targets.map((r) => this.resume(r.id).catch(() => undefined)));
    return targets.length;
  }

  private inScope(scope: KillScopeLike, state: SandboxState): SandboxRecord[] {
    if (scope.kind !== 'global' && scope.kind !== 'agent') return [];
    return this.store
      .list()
      .filter((r) => r.state === state && (scope.kind === 'global' || r.agentId === scope.agent));
  }

  private async engine(op: () => Promise<unknown>, r: SandboxRecord, verb: string): Promise<void> {
    try {
      await op();
    } catch (e) {
      const err = e as { statusCode?: number; message?: string };
      if (err.statusCode === 304) return; // already in that state
      const why = err.statusCode === 409 ? `it is ${r.state}` : (err.message ?? String(e));
      throw new GatehouseError(
        'sandbox_engine',
        `Cannot ${verb} sandbox ${r.name}: ${why}.`,
        err.statusCode === 404 ? 404 : 409,
      );
    }
    await this.refresh(r.id);
  }

  /** Re-reads a sandbox's state from the engine into the store. */
  async refresh(id: string): Promise<void> {
    const r = this.store.get(id);
    if (!r?.containerId) return;
    try {
      const s = (await this.docker.getContainer(r.containerId).inspect()).State;
      const state = s.Paused ? 'paused' : (DOCKER_STATES[s.Status] ?? 'exited');
      this.store.update(id, { state, exitCode: state === 'exited' || state === 'dead' ? s.ExitCode : null });
    } catch {
      this.store.update(id, { state: 'missing' });
    }
  }

  async info(id: string, withUsage = false): Promise<SandboxInfo> {
    await this.refresh(id);
    const r = this.require(id);
    const info: SandboxInfo = {
      id: r.id,
      name: r.name,
      agent: r.agentId,
      template: r.template,
      image: r.image,
      workspace: r.workspace,
      command: r.command,
      state: r.state,
      exitCode: r.exitCode,
      runId: r.runId,
      createdAt: r.createdAt,
      limits: r.limits,
    };
    if (withUsage && r.state === 'running' && r.containerId) {
      const u = await sampleUsage(this.docker.getContainer(r.containerId), r.id, this.usage);
      if (u) info.usage = u;
    }
    return info;
  }

  async list(): Promise<SandboxInfo[]> {
    const containers = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.instance}=${this.instance}`] },
    });
    const live = new Map(containers.map((c) => [c.Id, c]));
    for (const r of this.store.list()) {
      const c = r.containerId ? live.get(r.containerId) : undefined;
      if (!c && r.containerId) this.store.update(r.id, { state: 'missing' });
    }
    return Promise.all(this.store.list().map((r) => this.info(r.id, true)));
  }
}
