/** Right panel for the selected node: the schema form with inline errors, linked objects, actions. */
import { KindIcon } from "../kinds/registry";
import { useWorkflow, useWorkflowStore } from "../store/context";
import type { FlowNode } from "../store/workflowStore";
import { SchemaForm } from "./SchemaForm";
import { validateData } from "./schemaValidation";

const LINK_LABELS: Record<string, string> = {
  _linkedDeployment: "Targets workload",
  _linkedService: "Exposed by service",
  _linkedConfigMaps: "ConfigMaps",
  _linkedSecrets: "Secrets",
  _linkedPVCs: "Volumes",
};

export function SettingsPanel({ node, readOnly }: { node: FlowNode; readOnly: boolean }) {
  const store = useWorkflowStore();
  const template = useWorkflow((state) => state.catalog.byKind.get(node.type ?? ""));
  const serverErrors = useWorkflow((state) => state.serverErrors.byNode[node.id]);
  if (!template) return <p className="muted">Unknown kind “{node.type}”: this server's catalog does not describe it.</p>;
  const clientErrors = validateData(template.schema, node.data);
  const errors = { ...clientErrors, ...(serverErrors ?? {}) };
  const nodeError = serverErrors?.[""];
  const links = Object.entries(node.data).filter(([key]) => key.startsWith("_linked"));

  return (
    <section className="settings" aria-label={`${template.label} settings`}>
      <header className="panel-head">
        <span className="node-icon"><KindIcon kind={node.type} size={20} /></span>
        <div>
          <h2>{template.label}</h2>
          <p className="muted">{template.description}</p>
        </div>
      </header>
      {nodeError && <p className="field-error" role="alert">{nodeError}</p>}
      <fieldset disabled={readOnly} className="bare">
        <SchemaForm schema={template.schema} data={node.data} errors={errors}
          onChange={(data, field) => store.getState().updateNodeData(node.id, data, field)} />
      </fieldset>
      {links.length > 0 && (
        <div className="linked">
          <h3>Connected</h3>
          <dl>
            {links.map(([key, value]) => (
              <div key={key}><dt>{LINK_LABELS[key] ?? key.slice(7)}</dt><dd>{Array.isArray(value) ? value.join(", ") : String(value)}</dd></div>
            ))}
          </dl>
          <p className="muted small">Set by connections; the server renders real references from edges.</p>
        </div>
      )}
      {!readOnly && (
        <div className="panel-actions">
          <button type="button" className="danger" onClick={() => { store.getState().selectOnly(node.id); store.getState().deleteSelected(); }}>
            Delete {template.label}
          </button>
        </div>
      )}
    </section>
  );
}
