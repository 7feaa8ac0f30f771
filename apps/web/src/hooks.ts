import { type FormEvent, useCallback, useEffect, useRef, useState } from 'react';

import { describeError, type ErrorView } from './errors';

export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Tessera console`;
  }, [title]);
}

export interface Loaded<T> {
  data: T | undefined;
  error: ErrorView | null;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` on mount and on reload(); keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ErrorView | null>(null);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    let current = true;
    setLoading(true);
    loader.current().then(
      (value) => {
        if (current) {
          setData(value);
          setError(null);
          setLoading(false);
        }
      },
      (e: unknown) => {
        if (current) {
          setError(describeError(e));
          setLoading(false);
        }
      },
    );
    return () => {
      current = false;
    };
  }, [generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, error, loading, reload };
}

export interface Submission {
  busy: boolean;
  error: ErrorView | null;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  clearError: () => void;
}

/**
 * A form's submit handler: one request at a time, `busy` while it is in flight, and the
 * failure described for the user (validation messages filed under `fieldPaths`).
 */
export function useSubmit(action: () => Promise<void>, fieldPaths: readonly string[] = []): Submission {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorView | null>(null);
  // A ref, not `busy`: a second submit before the re-render must not send the request twice.
  const inFlight = useRef(false);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (inFlight.current) {
      return;
    }
    inFlight.current = true;
    setBusy(true);
    setError(null);
    action().then(
      () => {
        inFlight.current = false;
        if (mounted.current) {
          setBusy(false);
        }
      },
      (e: unknown) => {
        inFlight.current = false;
        if (mounted.current) {
          setError(describeError(e, fieldPaths));
          setBusy(false);
        }
      },
    );
  };
  return { busy, error, onSubmit, clearError: () => setError(null) };
}
