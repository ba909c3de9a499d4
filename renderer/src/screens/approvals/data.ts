import { useAvailable, useProc } from '../../api/hooks.js';

/** Pending approvals for the nav badge and the overview; 0 where this build has no approvals. */
export function usePendingApprovals(): number {
  const ok = useAvailable('approvals.list');
  const q = useProc('approvals.list', {}, { enabled: ok === true, refetchInterval: 15_000 });
  return q.data?.pending.length ?? 0;
}
