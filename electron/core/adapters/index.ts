import { anthropicMessages } from './anthropic.js';
import { openaiChat } from './openai-chat.js';
import { openaiResponses } from './openai-responses.js';
import type { ProtocolAdapter } from './types.js';

export * from './types.js';
export { anthropicMessages } from './anthropic.js';
export { openaiChat } from './openai-chat.js';
export { openaiResponses } from './openai-responses.js';
export { PriceTable, costOf, type Price } from './prices.js';

const PROVIDER_HOSTS: Record<string, 'anthropic' | 'openai'> = {
  'api.anthropic.com': 'anthropic',
  'api.openai.com': 'openai',
};

/**
 * The adapter for a request, or undefined when it is not a model call Gatehouse understands
 * (it is then recorded as a plain HTTP action). `path` may be the door's path
 * (/llm/openai/v1/chat/completions) or the upstream one (/v1/responses?x=1). `host` lets an
 * intercepted CONNECT to api.anthropic.com / api.openai.com be recognised whatever the
 * service kind.
 */
export function adapterFor(serviceKind: string, path: string, host?: string): ProtocolAdapter | undefined {
  const q = path.indexOf('?');
  let p = (q === -1 ? path : path.slice(0, q)).toLowerCase();
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  const provider =
    serviceKind === 'anthropic' || serviceKind === 'openai'
      ? serviceKind
      : host !== undefined
        ? PROVIDER_HOSTS[host.toLowerCase().replace(/:443$/, '')]
        : undefined;
  if (provider === 'anthropic') return p.endsWith('/v1/messages') ? anthropicMessages : undefined;
  if (provider === 'openai') {
    if (p.endsWith('/chat/completions')) return openaiChat;
    if (p.endsWith('/responses')) return openaiResponses;
  }
  return undefined;
}
