import type { PendingApprovalView } from '../../../../shared/api/policy.js';

/** One line for a held operation: what the agent wants to do. */
export function describeOperation(op: PendingApprovalView['operation']): string {
  switch (op.type) {
    case 'llm':
      return `LLM ${op.provider} · ${op.model}`;
    case 'mcp':
      return `MCP ${op.server} / ${op.tool}`;
    case 'http':
      return `${op.method} ${op.host}${op.path}`;
  }
}
