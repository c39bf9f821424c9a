import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@xyflow/react/dist/style.css";
import "./styles.css";
import { ArtifactPage } from "./pages/ArtifactPage";
import { ArtifactsPage } from "./pages/ArtifactsPage";
import { CanvasPage } from "./pages/CanvasPage";
import { WorkflowsPage } from "./pages/WorkflowsPage";

const mount = document.getElementById("app");
if (!mount) throw new Error("#app mount point is missing");
const ids = JSON.parse(mount.dataset.ids ?? "{}") as { workflowId?: number; artifactId?: number };

function pageFor(name: string | undefined) {
  if (name === "canvas" && ids.workflowId) return <CanvasPage workflowId={ids.workflowId} />;
  if (name === "artifact" && ids.artifactId) return <ArtifactPage artifactId={ids.artifactId} />;
  if (name === "artifacts") return <ArtifactsPage />;
  return <WorkflowsPage />;
}

createRoot(mount).render(<StrictMode>{pageFor(mount.dataset.page)}</StrictMode>);
