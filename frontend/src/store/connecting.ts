/** While a connection is being dragged: which nodes may take it (others are greyed). */
import { create } from "zustand";

interface ConnectingState {
  validIds: Set<string> | null;
  setValid(ids: Set<string> | null): void;
}

export const useConnecting = create<ConnectingState>()((set) => ({
  validIds: null,
  setValid: (validIds) => set({ validIds }),
}));
