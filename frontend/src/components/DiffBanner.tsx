/** Shown while a version diff covers the canvas: legend, field-level changes, close. */
import { useWorkflow, useWorkflowStore } from "../store/context";

const show = (value: unknown) => (value === undefined ? "—" : JSON.stringify(value));

export function DiffBanner() {
  const store = useWorkflowStore();
  const diff = useWorkflow((state) => state.diff);
  if (!diff) return null;
  const changed = diff.nodes.filter((node) => node.change !== "unchanged");
  return (
    <aside className="diff-banner" aria-label="Version comparison">
      <div className="diff-head">
        <strong>Comparing v{diff.from} → v{diff.to}</strong>
        <span className="legend"><i className="added" /> added <i className="removed" /> removed <i className="modified" /> modified</span>
        <button type="button" onClick={() => store.getState().setDiff(null)}>Close comparison</button>
      </div>
      <ul className="diff-changes">
        {changed.length === 0 && <li className="muted">No node changes.</li>}
        {changed.map((node) => (
          <li key={node.id} className={`diff-item diff-item-${node.change}`}>
            <b>{node.change}</b> {node.type} <code>{String(node.data.name ?? node.id)}</code>
            {node.changes.length > 0 && (
              <ul>{node.changes.map((change) => <li key={change.path}><code>{change.path}</code>: {show(change.old)} → {show(change.new)}</li>)}</ul>
            )}
          </li>
        ))}
      </ul>
    </aside>
  );
}
