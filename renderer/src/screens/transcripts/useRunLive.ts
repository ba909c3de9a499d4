import { useCallback, useEffect, useRef } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { LedgerEvent } from '../../../../shared/events.js';
import { useLedgerEvents } from '../../api/hooks.js';

/** Re-reads a run's queries (transcript, totals) when its events arrive, at most once a second. */
export function useRunLive(run: string, names: string[]): void {
  const queries = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const key = names.join(',');
  useLedgerEvents(
    useCallback(
      (events: LedgerEvent[]) => {
        if (timer.current || !events.some((e) => e.run === run)) return;
        timer.current = setTimeout(() => {
          timer.current = undefined;
          const wanted = key.split(',');
          void queries.invalidateQueries({
            predicate: (q) =>
              wanted.includes(String(q.queryKey[0])) &&
              (q.queryKey[1] as { run?: string } | undefined)?.run === run,
          });
        }, 1000);
      },
      [run, key, queries],
    ),
  );
  useEffect(() => () => clearTimeout(timer.current), []);
}
