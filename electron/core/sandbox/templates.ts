import { GatehouseError } from '../../../shared/errors.js';

/** The in-sandbox forwarder that `gate proxy` runs; every SDK and proxy variable points here. */
export const FORWARDER = 'http://127.0.0.1:3128';
/** What SDKs see instead of a key. The gateway swaps it for a leased credential upstream. */
export const PLACEHOLDER_KEY = 'gatehouse-placeholder';

export interface AgentTemplate {
  name: string;
  title: string;
  description: string;
  /** Default command; `custom` has none and needs one. */
  command: string[];
  /** Base URLs and placeholder keys this agent reads (on top of the common proxy/CA variables). */
  env: Record<string, string>;
  /** The policy stanza (agent label `policy`) this agent's requests are matched against. */
  policyStanza: string;
  /** Extra read-only resources/ folder mounted at /opt/gatehouse/<name> (the demo agent script). */
  mountResources?: string;
}

const anthropic = {
  ANTHROPIC_BASE_URL: `${FORWARDER}/llm/anthropic`,
  ANTHROPIC_API_KEY: PLACEHOLDER_KEY,
};
const openai = {
  OPENAI_BASE_URL: `${FORWARDER}/llm/openai/v1`,
  OPENAI_API_KEY: PLACEHOLDER_KEY,
};

export const templates: Record<string, AgentTemplate> = {
  'claude-code': {
    name: 'claude-code',
    title: 'Claude Code',
    description: "Anthropic's coding agent (`claude`); model calls go to /llm/anthropic.",
    command: ['claude'],
    env: {
      ...anthropic,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
    },
    policyStanza: 'claude-code',
  },
  codex: {
    name: 'codex',
    title: 'OpenAI Codex CLI',
    description: "OpenAI's coding agent (`codex`); model calls go to /llm/openai.",
    // Codex ignores OPENAI_BASE_URL and prefers a WebSocket to api.openai.com: a custom provider
    // (HTTP Responses at the forwarder, key from OPENAI_API_KEY = the placeholder) routes it through us.
    command: [
      'codex',
      '-c',
      'model_provider="gatehouse"',
      '-c',
      `model_providers.gatehouse={name="Gatehouse",base_url="${FORWARDER}/llm/openai/v1",env_key="OPENAI_API_KEY",wire_api="responses"}`,
    ],
    env: { ...openai },
    policyStanza: 'codex',
  },
  openclaw: {
    name: 'openclaw',
    title: 'OpenClaw',
    description:
      'The OpenClaw personal agent (`openclaw`); Anthropic and OpenAI calls go through the gateway.',
    command: ['openclaw'],
    env: { ...anthropic, ...openai },
    policyStanza: 'openclaw',
  },
  aider: {
    name: 'aider',
    title: 'Aider',
    description: 'Aider pair programmer (`aider`); litellm reads both base URLs.',
    command: ['aider'],
    env: {
      ...anthropic,
      ...openai,
      OPENAI_API_BASE: `${FORWARDER}/llm/openai/v1`,
      ANTHROPIC_API_BASE: `${FORWARDER}/llm/anthropic`,
      AIDER_CHECK_UPDATE: 'false',
      AIDER_ANALYTICS: 'false',
    },
    policyStanza: 'aider',
  },
  custom: {
    name: 'custom',
    title: 'Custom command',
    description: 'Any command you give; both SDK base URLs and placeholder keys are set.',
    command: [],
    env: { ...anthropic, ...openai },
    policyStanza: 'custom',
  },
  'demo-helpful': {
    name: 'demo-helpful',
    title: 'Demo: helpful agent',
    description: 'The scripted demo agent that does its job through the gateway.',
    command: ['node', '/opt/gatehouse/demo/agent.mjs', 'helpful'],
    env: { ...anthropic, ...openai, GATEHOUSE_DEMO_MODEL: 'demo-helpful' },
    policyStanza: 'demo-helpful',
    mountResources: 'demo',
  },
  'demo-rogue': {
    name: 'demo-rogue',
    title: 'Demo: rogue agent',
    description:
      'The scripted demo agent that tries to leak a secret and overspend; each attempt is stopped.',
    command: ['node', '/opt/gatehouse/demo/agent.mjs', 'rogue'],
    env: { ...anthropic, ...openai, GATEHOUSE_DEMO_MODEL: 'demo-rogue' },
    policyStanza: 'demo-rogue',
    mountResources: 'demo',
  },
};

export function getTemplate(name: string): AgentTemplate {
  const t = Object.hasOwn(templates, name) ? templates[name] : undefined;
  if (!t) {
    throw new GatehouseError(
      'unknown_template',
      `No agent template named "${name}". Pick one of: ${Object.keys(templates).join(', ')}.`,
      400,
    );
  }
  return t;
}

/**
 * The command a sandbox runs: the template's, with the caller's arguments appended; `replace` (or
 * the custom template) runs the caller's command instead, under the template's env and policy.
 */
export function resolveCommand(t: AgentTemplate, command: string[] | undefined, replace = false): string[] {
  if (command && command.length) return replace || !t.command.length ? command : [...t.command, ...command];
  if (!t.command.length) {
    throw new GatehouseError(
      'command_required',
      'The custom template needs a command: `gatehouse run --template custom -- CMD`.',
      400,
    );
  }
  return t.command;
}
