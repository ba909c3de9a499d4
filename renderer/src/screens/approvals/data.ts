/** Pending approvals count for the nav badge (0 until the approvals contract lands). */
export function usePendingApprovals(): number {
  return 0;
}
