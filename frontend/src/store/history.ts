/** Undo/redo stacks of graph snapshots, with coalescing for bursts of edits to one field. */

export interface History<S> {
  past: S[];
  future: S[];
  lastKey: string | null;
  lastAt: number;
}

export const COALESCE_MS = 1000;

export function emptyHistory<S>(): History<S> {
  return { past: [], future: [], lastKey: null, lastAt: 0 };
}

/** Record `before` as an undo point unless it continues the previous edit with the same key. */
export function record<S>(history: History<S>, before: S, key: string | null, now: number, limit: number): History<S> {
  if (key !== null && key === history.lastKey && now - history.lastAt < COALESCE_MS) {
    return { ...history, future: [], lastAt: now };
  }
  const past = [...history.past, before];
  if (past.length > limit) past.splice(0, past.length - limit);
  return { past, future: [], lastKey: key, lastAt: now };
}

export function undo<S>(history: History<S>, current: S): { history: History<S>; state: S } | null {
  const previous = history.past[history.past.length - 1];
  if (previous === undefined) return null;
  return {
    history: { past: history.past.slice(0, -1), future: [current, ...history.future], lastKey: null, lastAt: 0 },
    state: previous,
  };
}

export function redo<S>(history: History<S>, current: S): { history: History<S>; state: S } | null {
  const next = history.future[0];
  if (next === undefined) return null;
  return {
    history: { past: [...history.past, current], future: history.future.slice(1), lastKey: null, lastAt: 0 },
    state: next,
  };
}
