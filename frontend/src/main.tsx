import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import "./styles.css";
import { CanvasPage } from "./pages/CanvasPage";
import { WorkflowsPage } from "./pages/WorkflowsPage";

const mount = document.getElementById("app");
if (!mount) throw new Error("#app mount point is missing");
const ids = JSON.parse(mount.dataset.ids ?? "{}") as { workflowId?: number };
const page = mount.dataset.page === "canvas" && ids.workflowId ? <CanvasPage workflowId={ids.workflowId} /> : <WorkflowsPage />;
createRoot(mount).render(<StrictMode>{page}</StrictMode>);
