import type { ReactNode } from 'react';
import type { ApiError } from '../api/errors.js';
import { isUnavailable } from '../api/errors.js';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state">{children}</div>;
}

export function ErrorState({ error, retry }: { error: ApiError | Error; retry?: () => void }) {
  if (isUnavailable(error)) return <NotAvailable what="This part" />;
  return (
    <div className="state error" role="alert">
      <strong>{error.message}</strong>
      {'code' in error && error.code ? <span className="small mono"> ({String(error.code)})</span> : null}
      {retry ? (
        <div style={{ marginTop: 8 }}>
          <button className="btn small" onClick={retry}>
            Try again
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** An honest empty: the running core does not implement this yet. Never fake data. */
export function NotAvailable({ what, procedures }: { what: string; procedures?: string[] }) {
  return (
    <div className="state unavailable" role="note">
      <strong>{what} is not available in this build.</strong>
      <div className="small">
        The running Gatehouse core does not implement
        {procedures?.length ? (
          <>
            {' '}
            <code>{procedures.join(', ')}</code>
          </>
        ) : (
          ' the procedures it needs'
        )}
        .
      </div>
    </div>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: ApiError | null;
  isPending: boolean;
  refetch: () => unknown;
}

/**
 * Loading / error / empty / data for one query, so every screen gets the same honest states.
 * `available === false` renders the not-available note.
 */
export function QueryView<T>({
  query,
  available,
  what,
  procedures,
  empty,
  isEmpty,
  children,
}: {
  query: QueryLike<T>;
  available: boolean | undefined;
  what: string;
  procedures?: string[];
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  if (available === false) return <NotAvailable what={what} procedures={procedures} />;
  if (query.error) return <ErrorState error={query.error} retry={() => void query.refetch()} />;
  if (available === undefined || query.isPending || query.data === undefined)
    return <Loading what={`Loading ${what.toLowerCase()}`} />;
  const data = query.data;
  if (empty !== undefined && (isEmpty ? isEmpty(data) : Array.isArray(data) && data.length === 0))
    return <Empty>{empty}</Empty>;
  return <>{children(data)}</>;
}
