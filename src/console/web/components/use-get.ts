import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../api';

export interface Loaded<T> {
  data?: T;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * One GET, re-run when the path changes or on reload(). With `refreshMs`, polled while
 * `keepPolling(data)` holds (a delivery still pending, a sync still running).
 */
export function useGet<T>(
  path: string | null,
  options: { refreshMs?: number; keepPolling?: (data: T) => boolean } = {},
): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error: unknown; loading: boolean }>({
    error: null,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  const current = useRef(path);
  current.current = path;
  useEffect(() => {
    if (path === null) return;
    let timer: number | undefined;
    let stopped = false;
    const run = async () => {
      try {
        const data = await get<T>(path);
        if (stopped || current.current !== path) return;
        setState({ data, error: null, loading: false });
        if (options.refreshMs && options.keepPolling?.(data))
          timer = window.setTimeout(run, options.refreshMs);
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error, loading: false }));
      }
    };
    setState((s) => ({ ...s, loading: true }));
    void run();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [path, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}
