import { z } from 'zod';

/**
 * Topics of the live stream. The console invalidates its cached queries by topic instead of
 * patching lists by hand; `ledger.events` also carries the new events for live transcripts.
 */
export const liveTopics = [
  'ledger.events',
  'system.changed',
  'gateway.stats',
  'policy.changed',
  'approvals.changed',
  'vault.changed',
  'sandboxes.changed',
  'sandboxes.build',
  'kill.changed',
  'agents.changed',
  'services.changed',
] as const;
export const liveTopicSchema = z.enum(liveTopics);
export type LiveTopic = z.infer<typeof liveTopicSchema>;

export interface LiveMessage {
  topic: LiveTopic;
  data: unknown;
}
