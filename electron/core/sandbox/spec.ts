import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type Docker from 'dockerode';
import { GatehouseError } from '../../../shared/errors.js';
import { inSandboxAgentDir } from './agent-packages.js';
import { FORWARDER, type AgentTemplate } from './templates.js';

export interface SandboxLimits {
  memoryMb: number;
  cpus: number;
  pids: number;
  tmpMb: number;
  homeMb: number;
}
export const DEFAULT_LIMITS: SandboxLimits = { memoryMb: 2048, cpus: 2, pids: 512, tmpMb: 512, homeMb: 1024 };

/** Where Gatehouse's own read-only mounts appear inside every sandbox. */
export const IN_SANDBOX = {
  socketDir: '/run/gatehouse',
  socket: '/run/gatehouse/gateway.sock',
  gate: '/opt/gatehouse/gate',
  ca: '/etc/gatehouse',
  workspace: '/workspace',
  home: '/home/agent',
} as const;

export interface ContainerPlan {
  sandboxId: string;
  name: string;
  instance: string;
  agent: { id: string; name: string };
  template: AgentTemplate;
  image: string;
  command: string[];
  workspace: string;
  /** Host paths mounted read-only. */
  socketDir: string;
  gateDir: string;
  /** A folder with ca.pem (Gatehouse CA) and ca-bundle.pem (system roots + Gatehouse CA), public certs only. */
  caDir?: string;
  /** resources/<x> folder for templates that need one (the demo agent). */
  extraResources?: string;
  /** Host node_modules of the template's agent CLI (agent-packages.ts), mounted read-only, its .bin on PATH. */
  agentPackage?: string;
  limits: SandboxLimits;
  uid: number;
  gid: number;
  /** Caller's extra variables (never the host's environment). */
  env: Record<string, string>;
  tty?: boolean;
  /** The image's gate-launch (binds the forwarder port, then starts forwarder and agent in parallel). */
  launcher?: string;
}

export const LABELS = {
  sandbox: 'dev.gatehouse.sandbox',
  agent: 'dev.gatehouse.agent',
  instance: 'dev.gatehouse.instance',
} as const;

/** The environment a sandbox sees: proxy, base URLs, placeholder keys, CA trust. Nothing from the host. */
export function sandboxEnv(plan: ContainerPlan): Record<string, string> {
  const env: Record<string, string> = {
    HOME: IN_SANDBOX.home,
    USER: 'agent',
    PATH: `${plan.agentPackage ? `${inSandboxAgentDir(plan.template.name)}/.bin:` : ''}${IN_SANDBOX.gate}/bin:/usr/local/bin:/usr/bin:/bin`,
    HTTP_PROXY: FORWARDER,
    HTTPS_PROXY: FORWARDER,
    ALL_PROXY: FORWARDER,
    http_proxy: FORWARDER,
    https_proxy: FORWARDER,
    all_proxy: FORWARDER,
    // The forwarder itself is reached directly (base-URL routes), everything else through it.
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    GATEHOUSE_SOCKET: IN_SANDBOX.socket,
    GATEHOUSE_SANDBOX: plan.sandboxId,
    GATEHOUSE_AGENT: plan.agent.name,
    ...plan.template.env,
    ...plan.env,
  };
  if (plan.caDir) {
    env.NODE_EXTRA_CA_CERTS = `${IN_SANDBOX.ca}/ca.pem`;
    env.GATEHOUSE_NODE_EXTRA_CA_CERTS = env.NODE_EXTRA_CA_CERTS;
    for (const k of [
      'SSL_CERT_FILE',
      'REQUESTS_CA_BUNDLE',
      'CURL_CA_BUNDLE',
      'GIT_SSL_CAINFO',
      'PIP_CERT',
      'AWS_CA_BUNDLE',
    ]) {
      env[k] = `${IN_SANDBOX.ca}/ca-bundle.pem`;
    }
  }
  if (plan.tty) env.TERM = 'xterm-256color';
  return env;
}

/** The Docker create options for a sandbox: no network, no capabilities, read-only root, limits. */
export function containerOptions(plan: ContainerPlan): Docker.ContainerCreateOptions {
  const ro = (source: string, target: string) => ({
    Type: 'bind' as const,
    Source: source,
    Target: target,
    ReadOnly: true,
  });
  const mounts = [
    { Type: 'bind' as const, Source: plan.workspace, Target: IN_SANDBOX.workspace, ReadOnly: false },
    ro(plan.socketDir, IN_SANDBOX.socketDir),
    ro(plan.gateDir, IN_SANDBOX.gate),
  ];
  if (plan.caDir) mounts.push(ro(plan.caDir, IN_SANDBOX.ca));
  if (plan.extraResources && plan.template.mountResources) {
    mounts.push(ro(plan.extraResources, `/opt/gatehouse/${plan.template.mountResources}`));
  }
  if (plan.agentPackage) mounts.push(ro(plan.agentPackage, inSandboxAgentDir(plan.template.name)));
  const { limits } = plan;
  return {
    name: plan.name,
    Image: plan.image,
    Hostname: 'sandbox',
    User: `${plan.uid}:${plan.gid}`,
    WorkingDir: IN_SANDBOX.workspace,
    Entrypoint: plan.launcher
      ? [plan.launcher]
      : ['env', '-u', 'NODE_EXTRA_CA_CERTS', 'node', `${IN_SANDBOX.gate}/gate.mjs`, 'exec', '--'],
    Cmd: plan.command,
    Env: Object.entries(sandboxEnv(plan)).map(([k, v]) => `${k}=${v}`),
    Tty: plan.tty ?? false,
    OpenStdin: plan.tty ?? false,
    Labels: {
      [LABELS.sandbox]: plan.sandboxId,
      [LABELS.agent]: plan.agent.id,
      [LABELS.instance]: plan.instance,
    },
    HostConfig: {
      NetworkMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      ReadonlyRootfs: true,
      Privileged: false,
      Init: true,
      IpcMode: 'private',
      Tmpfs: {
        '/tmp': `rw,nosuid,nodev,size=${limits.tmpMb}m,mode=1777`,
        [IN_SANDBOX.home]: `rw,nosuid,nodev,size=${limits.homeMb}m,uid=${plan.uid},gid=${plan.gid},mode=0700`,
      },
      Mounts: mounts,
      Memory: limits.memoryMb * 1024 * 1024,
      MemorySwap: limits.memoryMb * 1024 * 1024,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pids,
      RestartPolicy: { Name: 'no' },
    },
  };
}

function inside(child: string, parent: string): boolean {
  const r = relative(parent, child);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r) && !r.startsWith(`..${sep}`));
}

/** The Docker socket paths a workspace must never contain. */
export function dockerSocketPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const paths = ['/var/run/docker.sock', '/run/docker.sock'];
  if (env.DOCKER_HOST?.startsWith('unix://')) paths.push(env.DOCKER_HOST.slice('unix://'.length));
  return paths.map((p) => (existsSync(p) ? realpathSync(p) : p));
}

/**
 * The one host folder a sandbox gets. It must exist, be a folder, and not contain Gatehouse's
 * data dir (the vault, the ledger, every agent's socket) or the Docker socket.
 */
export function checkWorkspace(
  workspace: string,
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const abs = resolve(workspace);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new GatehouseError('bad_workspace', `The workspace ${abs} is not an existing folder.`, 400);
  }
  const real = realpathSync(abs);
  const data = existsSync(dataDir) ? realpathSync(dataDir) : resolve(dataDir);
  if (inside(data, real)) {
    throw new GatehouseError(
      'bad_workspace',
      `The workspace ${real} contains Gatehouse's data dir (${data}); pick a folder that does not.`,
      400,
    );
  }
  for (const sock of dockerSocketPaths(env)) {
    if (inside(sock, real)) {
      throw new GatehouseError(
        'bad_workspace',
        `The workspace ${real} contains the Docker socket (${sock}); pick another folder.`,
        400,
      );
    }
  }
  return real;
}
