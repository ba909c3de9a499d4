import type { ServeInfo } from './fixtures.js';
import { api } from './fixtures.js';

export interface HostAgent {
  id: string;
  gatewayUrl: string;
  hostKey: string;
}

/** Registers an unsandboxed host agent (it gets a gateway key, as `gatehouse agent add --host` does). */
export async function hostAgent(
  info: ServeInfo,
  name: string,
  template = 'demo-helpful',
): Promise<HostAgent> {
  const r = await api<{ agent: { id: string }; gatewayUrl: string; hostKey: string }>(info, 'agents.add', {
    name,
    template,
    host: true,
  });
  return { id: r.agent.id, gatewayUrl: r.gatewayUrl, hostKey: r.hostKey };
}

/** One Anthropic Messages call through the gateway to the built-in demo provider. */
export async function askDemo(
  agent: HostAgent,
  text: string,
  model = 'demo-helpful',
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${agent.gatewayUrl}/llm/demo/v1/messages`, {
    method: 'POST',
    headers: {
      'x-api-key': agent.hostKey,
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
    },
    body: JSON.stringify({ model, max_tokens: 200, messages: [{ role: 'user', content: text }] }),
  });
  const body: unknown = await res.json().catch(() => null);
  return { status: res.status, body };
}

/** Goes to a screen through the navigation, as a person would. */
export async function openScreen(page: import('@playwright/test').Page, name: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: new RegExp(`^${name}( |$)`) })
    .click();
}

/** Removes every sandbox of an instance (a stopped core leaves its containers for re-attach, on purpose). */
export async function removeSandboxes(info: ServeInfo): Promise<void> {
  const list = await api<{ id: string }[]>(info, 'sandboxes.list').catch(() => []);
  for (const s of list) await api(info, 'sandboxes.remove', { id: s.id }).catch(() => undefined);
}
