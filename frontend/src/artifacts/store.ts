/**
 * Zustand stores of the artifacts pages (one per page, one per test). A GET and the live stream
 * overlap, so each store remembers the recent events: a snapshot that arrives is laid under the
 * events received since its request was sent (the reducers are idempotent and monotonic).
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import type { Artifact, ArtifactDetail, ArtifactPage, LogLine, Revision } from "../api/artifacts";
import type { ArtifactEvent } from "./events";
import {
  applyToDetail,
  applyToList,
  emptyDetail,
  emptyList,
  forgetUnknown,
  listLoaded,
  logsLoaded,
  upsertArtifact,
  type DetailState,
  type ListState,
} from "./reducers";

const RECENT = 2000;

interface Journal {
  /** Events received so far (a mark for a request about to be sent). */
  seen: number;
  recent: ArtifactEvent[];
}

function remember(journal: Journal, event: ArtifactEvent): Journal {
  const recent = journal.recent.length >= RECENT ? [...journal.recent.slice(1), event] : [...journal.recent, event];
  return { seen: journal.seen + 1, recent };
}

/** The events received after `mark` (all that are still remembered). */
function since(journal: Journal, mark: number): ArtifactEvent[] {
  const count = journal.seen - mark;
  return count <= 0 ? [] : journal.recent.slice(-count);
}

export interface ListStoreState {
  list: ListState;
  loaded: boolean;
  journal: Journal;
  receive(event: ArtifactEvent): void;
  mark(): number;
  pageLoaded(page: ArtifactPage, append: boolean, mark: number): void;
  artifactLoaded(artifact: Artifact, mark: number): void;
  artifactGone(id: number): void;
}

export type ListStore = StoreApi<ListStoreState>;

export function createArtifactListStore(): ListStore {
  return createStore<ListStoreState>()((set, get) => ({
    list: emptyList,
    loaded: false,
    journal: { seen: 0, recent: [] },
    receive: (event) => set((state) => ({ list: applyToList(state.list, event), journal: remember(state.journal, event) })),
    mark: () => get().journal.seen,
    pageLoaded: (page, append, mark) => set((state) => ({
      loaded: true,
      list: since(state.journal, mark).reduce(applyToList, listLoaded(state.list, page, append)),
    })),
    artifactLoaded: (artifact, mark) => set((state) => ({
      list: since(state.journal, mark).reduce(applyToList, upsertArtifact(state.list, artifact)),
    })),
    artifactGone: (id) => set((state) => ({ list: forgetUnknown(state.list, id) })),
  }));
}

export interface DetailStoreState {
  detail: DetailState;
  journal: Journal;
  receive(event: ArtifactEvent): void;
  mark(): number;
  artifactLoaded(artifact: ArtifactDetail, mark: number): void;
  versionsLoaded(versions: Revision[], mark: number): void;
  logsLoaded(revision: number, stage: string, lines: LogLine[]): void;
}

export type DetailStore = StoreApi<DetailStoreState>;

export function createArtifactDetailStore(): DetailStore {
  return createStore<DetailStoreState>()((set, get) => ({
    detail: emptyDetail,
    journal: { seen: 0, recent: [] },
    receive: (event) => set((state) => ({ detail: applyToDetail(state.detail, event), journal: remember(state.journal, event) })),
    mark: () => get().journal.seen,
    artifactLoaded: (artifact, mark) => set((state) => {
      // A snapshot older than what is shown (a slow GET) must not switch the timeline back.
      const shown = state.detail.artifact?.revision?.number ?? 0;
      const base = (artifact.revision?.number ?? 0) >= shown || !state.detail.artifact ? { ...state.detail, artifact } : state.detail;
      return { detail: since(state.journal, mark).reduce(applyToDetail, base) };
    }),
    versionsLoaded: (versions, mark) => set((state) => ({
      detail: since(state.journal, mark).reduce(applyToDetail, { ...state.detail, versions }),
    })),
    logsLoaded: (revision, stage, lines) => set((state) => ({ detail: logsLoaded(state.detail, revision, stage, lines) })),
  }));
}
