import { createContext, useContext } from "react";
import { useStore } from "zustand";
import type { WorkflowState, WorkflowStore } from "./workflowStore";

export const WorkflowStoreContext = createContext<WorkflowStore | null>(null);

export function useWorkflowStore(): WorkflowStore {
  const store = useContext(WorkflowStoreContext);
  if (!store) throw new Error("useWorkflowStore outside a WorkflowStoreContext");
  return store;
}

export function useWorkflow<T>(selector: (state: WorkflowState) => T): T {
  return useStore(useWorkflowStore(), selector);
}
