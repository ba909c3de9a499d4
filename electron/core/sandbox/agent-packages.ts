import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GatehouseError } from '../../../shared/errors.js';

const run = promisify(execFile);

/** npm packages that carry a real agent CLI, installed on the host and mounted read-only. */
export const AGENT_PACKAGES: Record<string, { npm: string; bin: string }> = {
  'claude-code': { npm: '@anthropic-ai/claude-code', bin: 'claude' },
  codex: { npm: '@openai/codex', bin: 'codex' },
};

/**
 * Where an installed agent package's node_modules appears inside the sandbox. The folder keeps the
 * name node_modules so Node's resolution finds the platform packages (Codex's wrapper needs that).
 */
export const inSandboxAgentDir = (template: string): string =>
  `/opt/gatehouse/agents/${template}/node_modules`;

/** The host folder holding installed agent CLIs: GATEHOUSE_AGENT_CACHE, else <dataDir>/agents. */
export function agentCacheDir(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.GATEHOUSE_AGENT_CACHE || join(dataDir, 'agents'));
}

/** The installed package's node_modules folder (what gets mounted), or undefined when not installed. */
export function findAgentPackage(template: string, cacheDir: string): string | undefined {
  const pkg = AGENT_PACKAGES[template];
  if (!pkg) return undefined;
  const modules = join(cacheDir, template, 'node_modules');
  return existsSync(join(modules, '.bin', pkg.bin)) ? modules : undefined;
}

/**
 * `npm install --prefix <cache>/<template> <package>` with the host's npm (the registry is reached
 * from the host, never from a sandbox). Returns the node_modules folder to mount.
 */
export async function installAgentPackage(
  template: string,
  cacheDir: string,
  opts: { version?: string; npm?: string } = {},
): Promise<string> {
  const pkg = AGENT_PACKAGES[template];
  if (!pkg) {
    throw new GatehouseError(
      'no_agent_package',
      `The template ${template} has no agent package to install.`,
      400,
    );
  }
  const prefix = join(cacheDir, template);
  mkdirSync(prefix, { recursive: true, mode: 0o755 });
  const spec = `${pkg.npm}@${opts.version ?? 'latest'}`;
  try {
    await run(
      opts.npm ?? 'npm',
      ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--no-save', '--loglevel=error', spec],
      { timeout: 10 * 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new GatehouseError(
      'agent_install_failed',
      `Installing ${spec} failed (npm on this machine, registry reachable?): ${(err.stderr || err.message).trim().slice(0, 400)}`,
      502,
    );
  }
  const found = findAgentPackage(template, cacheDir);
  if (!found) {
    throw new GatehouseError(
      'agent_install_failed',
      `${spec} installed but has no \`${pkg.bin}\` binary.`,
      502,
    );
  }
  return found;
}

/** The installed package (installing it on first use when `install` is set), or undefined. */
export async function ensureAgentPackage(
  template: string,
  cacheDir: string,
  install: boolean,
): Promise<string | undefined> {
  if (!AGENT_PACKAGES[template]) return undefined;
  return (
    findAgentPackage(template, cacheDir) ?? (install ? installAgentPackage(template, cacheDir) : undefined)
  );
}
