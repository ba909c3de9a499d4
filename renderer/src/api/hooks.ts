import { createContext, useContext, useEffect, useState, useSyncExternalStore } from 'react';
import {
  useMutation,
  useQuery,
  useQueryClient,
  type UseMutationResult,
  type UseQueryResult,
} from '@tanstack/react-query';
import type { LedgerEvent } from '../../../shared/events.js';
import type { LiveTopic } from '../../../shared/api/live.js';
import { call, currentTransport } from './client.js';
import type { LiveFeed } from './live.js';
import type { In, Out, ProcName } from './procedures.js';
import type { ApiError } from './errors.js';

export const LiveContext = createContext<LiveFeed | null>(null);

function useFeed(): LiveFeed {
  const feed = useContext(LiveContext);
  if (!feed) throw new Error('LiveContext missing');
  return feed;
}

/** Which procedures the running core implements (null while unknown / when it cannot say). */
export function useImplemented(): UseQueryResult<Set<string> | null, ApiError> {
  return useQuery({
    queryKey: ['$implemented'],
    queryFn: async () => {
      const names = await currentTransport().implemented();
      return names ? new Set(names) : null;
    },
    staleTime: 60_000,
  });
}

/** true / false once known; undefined while loading. A core that cannot say is trusted. */
export function useAvailable(...names: ProcName[]): boolean | undefined {
  const q = useImplemented();
  if (q.isPending) return undefined;
  const set = q.data;
  if (!set) return true;
  return names.every((n) => set.has(n));
}

export function useProc<K extends ProcName>(
  name: K,
  input: In<K>,
  opts: { enabled?: boolean; refetchInterval?: number; keepPrevious?: boolean } = {},
): UseQueryResult<Out<K>, ApiError> {
  const available = useAvailable(name);
  return useQuery<Out<K>, ApiError>({
    queryKey: [name, input],
    queryFn: () => call(name, input),
    enabled: available === true && opts.enabled !== false,
    refetchInterval: opts.refetchInterval,
    placeholderData: opts.keepPrevious ? (prev) => prev : undefined,
  });
}

export function useAction<K extends ProcName>(name: K): UseMutationResult<Out<K>, ApiError, In<K>> {
  const queries = useQueryClient();
  const domain = name.split('.')[0] + '.';
  return useMutation<Out<K>, ApiError, In<K>>({
    mutationFn: (input) => call(name, input),
    // The live stream also invalidates, but the person who clicked should not wait for it.
    onSettled: () =>
      queries.invalidateQueries({ predicate: (q) => String(q.queryKey[0]).startsWith(domain) }),
  });
}

export function useLedgerEvents(fn: (events: LedgerEvent[]) => void): void {
  const feed = useFeed();
  useEffect(() => feed.onLedgerEvents(fn), [feed, fn]);
}

export function useTopic(fn: (m: { topic: LiveTopic; data: unknown }) => void): void {
  const feed = useFeed();
  useEffect(() => feed.onTopic(fn), [feed, fn]);
}

export function useLiveConnected(): boolean {
  const feed = useFeed();
  return useSyncExternalStore(
    (cb) => feed.onConnection(cb),
    () => feed.connected,
  );
}

/** A value that updates every `ms` (relative times, uptime). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}
