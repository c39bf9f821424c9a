/** The workflows list: create (blank, from a starter, from YAML), clone, archive, delete. */
import { useCallback, useEffect, useState } from "react";
import { ApiError, errorMessage, type FieldError } from "../api/client";
import { api } from "../api/endpoints";
import type { Cluster, Page, Starter, WorkflowSummary } from "../api/types";
import { Notice } from "../components/Notice";
import { TopBar } from "../components/TopBar";

function ago(iso: string | null | undefined): string {
  if (!iso) return "";
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

type Dialog = "create" | "import" | "starter" | null;

function CreateForm({ clusters, starters, startersError, initialStarter, onDone, onCancel }: {
  clusters: Cluster[]; starters: Starter[] | null; startersError: string | null; initialStarter: string; onDone(id: number): void; onCancel(): void;
}) {
  const [form, setForm] = useState({ name: "", description: "", cluster: clusters[0]?.id ?? null as number | null, namespace: clusters[0]?.default_namespace ?? "default", starter: initialStarter });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [clusterTouched, setClusterTouched] = useState(false);
  // The clusters may arrive after the dialog opened: default to the first one until the user picks.
  useEffect(() => {
    const first = clusters[0];
    if (!clusterTouched && first && form.cluster === null) setForm((current) => ({ ...current, cluster: first.id, namespace: first.default_namespace }));
  }, [clusters, clusterTouched, form.cluster]);
  const fieldError = (path: string) => errors.find((e) => e.path === path)?.message;
  return (
    <form className="dialog stack" aria-label="New workflow" onSubmit={async (event) => {
      event.preventDefault();
      setError(null);
      setErrors([]);
      const placement = { name: form.name, description: form.description, cluster: form.cluster, namespace: form.namespace };
      try {
        const created = form.starter
          ? await api.createFromStarter(form.starter, { ...placement, name: form.name.trim() || undefined })
          : await api.createWorkflow(placement);
        onDone(created.id);
      } catch (e) {
        setError(errorMessage(e));
        if (e instanceof ApiError) setErrors(e.errors);
      }
    }}>
      <h2>New workflow</h2>
      <label>Name <input required={!form.starter} autoFocus value={form.name} placeholder={starters?.find((st) => st.id === form.starter)?.name ?? ""} maxLength={200} aria-invalid={Boolean(fieldError("name"))} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
      {fieldError("name") && <p className="field-error">{fieldError("name")}</p>}
      <label>Cluster
        <select value={form.cluster ?? ""} onChange={(e) => {
          setClusterTouched(true);
          const cluster = clusters.find((c) => c.id === Number(e.target.value));
          setForm({ ...form, cluster: cluster?.id ?? null, namespace: cluster?.default_namespace ?? form.namespace });
        }}>
          <option value="">No cluster</option>
          {clusters.map((cluster) => <option key={cluster.id} value={cluster.id}>{cluster.name}</option>)}
        </select>
      </label>
      <label>Namespace <input value={form.namespace} maxLength={63} aria-invalid={Boolean(fieldError("namespace"))} onChange={(e) => setForm({ ...form, namespace: e.target.value })} /></label>
      {fieldError("namespace") && <p className="field-error">{fieldError("namespace")}</p>}
      <label>Description <textarea rows={2} value={form.description} onChange={(e) => setForm({ ...form, description: e.target.value })} /></label>
      <fieldset className="starters">
        <legend>Start from</legend>
        <label className="check"><input type="radio" name="starter" checked={form.starter === ""} onChange={() => setForm({ ...form, starter: "" })} /> Blank canvas</label>
        {starters?.map((starter) => (
          <label className="check" key={starter.id}><input type="radio" name="starter" checked={form.starter === starter.id} onChange={() => setForm({ ...form, starter: starter.id })} />
            {starter.name} <span className="muted small">— {starter.description} ({starter.nodes.length} nodes)</span></label>
        ))}
        {startersError && <p className="muted small">Starter templates unavailable: {startersError}</p>}
      </fieldset>
      {error && <Notice kind="error">{error}</Notice>}
      <div className="row-actions"><button type="submit" className="primary">Create</button><button type="button" onClick={onCancel}>Cancel</button></div>
    </form>
  );
}

function ImportForm({ clusters, onDone, onCancel }: { clusters: Cluster[]; onDone(id: number): void; onCancel(): void }) {
  const [name, setName] = useState("");
  const [cluster, setCluster] = useState<number | null>(clusters[0]?.id ?? null);
  const [clusterTouched, setClusterTouched] = useState(false);
  useEffect(() => { if (!clusterTouched && cluster === null && clusters[0]) setCluster(clusters[0].id); }, [clusters, clusterTouched, cluster]);
  const [yaml, setYaml] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [imported, setImported] = useState<{ id: number; nodes: number; warnings: string[] } | null>(null);
  if (imported) {
    return (
      <section className="dialog stack" aria-label="Import result">
        <h2>Imported {imported.nodes} nodes</h2>
        <Notice kind="warn">Some objects were not imported as they are:</Notice>
        <ul className="error-list">{imported.warnings.map((warning, i) => <li key={i}>{warning}</li>)}</ul>
        <div className="row-actions"><button type="button" className="primary" autoFocus onClick={() => onDone(imported.id)}>Open workflow</button></div>
      </section>
    );
  }
  return (
    <form className="dialog stack" aria-label="Import YAML" onSubmit={async (event) => {
      event.preventDefault();
      setError(null);
      setErrors([]);
      try {
        const workflow = await api.importYaml({ name, cluster, yaml });
        if (workflow.warnings?.length) setImported({ id: workflow.id, nodes: workflow.nodes.length, warnings: workflow.warnings });
        else onDone(workflow.id);
      } catch (e) {
        setError(errorMessage(e));
        if (e instanceof ApiError) setErrors(e.errors);
      }
    }}>
      <h2>Import Kubernetes YAML</h2>
      <label>Name <input required value={name} onChange={(e) => setName(e.target.value)} /></label>
      <label>Cluster
        <select value={cluster ?? ""} onChange={(e) => { setClusterTouched(true); setCluster(e.target.value ? Number(e.target.value) : null); }}>
          <option value="">No cluster</option>
          {clusters.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
      </label>
      <label>Manifests (multi-document YAML)
        <textarea required rows={12} className="mono" value={yaml} onChange={(e) => setYaml(e.target.value)} spellCheck={false} />
      </label>
      <label>…or a file <input type="file" accept=".yaml,.yml,text/yaml" onChange={async (e) => { const file = e.target.files?.[0]; if (file) { setYaml(await file.text()); if (!name) setName(file.name.replace(/\.ya?ml$/, "")); } }} /></label>
      {error && <Notice kind="error">{error}</Notice>}
      {errors.length > 0 && <ul className="error-list" aria-label="Import errors">{errors.map((e, i) => <li key={i}><code>{e.path || "yaml"}</code>: {e.message}</li>)}</ul>}
      <div className="row-actions"><button type="submit" className="primary">Import</button><button type="button" onClick={onCancel}>Cancel</button></div>
    </form>
  );
}

export function WorkflowsPage() {
  const [page, setPage] = useState(1);
  const [workflows, setWorkflows] = useState<Page<WorkflowSummary> | null>(null);
  const [clusters, setClusters] = useState<Cluster[]>([]);
  const [starters, setStarters] = useState<Starter[] | null>(null);
  const [startersError, setStartersError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [error, setError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<number | null>(null);

  const load = useCallback(() => { api.listWorkflows(page).then(setWorkflows).catch((e) => setError(errorMessage(e))); }, [page]);
  useEffect(load, [load]);
  useEffect(() => {
    api.clusters().then(setClusters).catch((e) => setError(errorMessage(e)));
    api.starters().then(setStarters).catch((e) => setStartersError(errorMessage(e)));
  }, []);
  const clusterName = (id: number | null) => clusters.find((c) => c.id === id)?.name ?? (id === null ? "—" : `#${id}`);
  const open = (id: number) => { window.location.href = `/workflows/${id}/`; };
  const act = async (action: () => Promise<unknown>) => { setError(null); try { await action(); load(); } catch (e) { setError(errorMessage(e)); } };

  return (
    <>
      <TopBar><h1 className="workflow-name">Workflows</h1></TopBar>
      <main className="page">
        <div className="page-actions">
          <button type="button" className="primary" onClick={() => setDialog("create")}>New workflow</button>
          <button type="button" onClick={() => setDialog("starter")}>New from template</button>
          <button type="button" onClick={() => setDialog("import")}>Import YAML</button>
        </div>
        {(dialog === "create" || dialog === "starter") && (
          <CreateForm key={dialog} clusters={clusters} starters={starters} startersError={startersError}
            initialStarter={dialog === "starter" ? starters?.[0]?.id ?? "" : ""} onDone={open} onCancel={() => setDialog(null)} />
        )}
        {dialog === "import" && <ImportForm clusters={clusters} onDone={open} onCancel={() => setDialog(null)} />}
        {error && <Notice kind="error">{error}</Notice>}
        {!workflows ? <p className="muted">Loading…</p> : workflows.results.length === 0 ? (
          <p className="muted">No workflows yet. Create one to start drawing your topology.</p>
        ) : (
          <table className="table workflows">
            <thead><tr><th>Name</th><th>Status</th><th>Cluster</th><th>Nodes</th><th>Last run</th><th>Updated</th><th><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {workflows.results.map((wf) => (
                <tr key={wf.id}>
                  <td><a href={`/workflows/${wf.id}/`}>{wf.name}</a>{wf.description && <div className="muted small">{wf.description}</div>}</td>
                  <td><span className={`status status-${wf.status}`}>{wf.status}</span></td>
                  <td>{clusterName(wf.cluster)} <span className="muted small">/ {wf.namespace}</span></td>
                  <td>{wf.node_count}</td>
                  <td>{wf.last_run ? <><span className={`status status-${wf.last_run.status}`}>{wf.last_run.status}</span> <span className="muted small">{ago(wf.last_run.created_at)}</span></> : <span className="muted">never</span>}</td>
                  <td className="muted small">{ago(wf.updated_at)}</td>
                  <td className="row-actions">
                    <button type="button" aria-label={`Clone ${wf.name}`} onClick={() => act(() => api.cloneWorkflow(wf.id))}>Clone</button>
                    {wf.status === "archived"
                      ? <button type="button" aria-label={`Restore ${wf.name} to draft`} onClick={() => act(() => api.transition(wf.id, "draft"))}>Unarchive</button>
                      : <button type="button" aria-label={`Archive ${wf.name}`} onClick={() => act(() => api.transition(wf.id, "archive"))}>Archive</button>}
                    {confirmDelete === wf.id ? (
                      <><button type="button" className="danger" aria-label={`Confirm delete ${wf.name}`} onClick={() => { setConfirmDelete(null); void act(() => api.deleteWorkflow(wf.id)); }}>Delete for good</button>
                        <button type="button" onClick={() => setConfirmDelete(null)}>Keep</button></>
                    ) : <button type="button" className="danger" aria-label={`Delete ${wf.name}`} onClick={() => setConfirmDelete(wf.id)}>Delete</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {workflows && (workflows.next || workflows.previous) && (
          <div className="pager">
            <button type="button" disabled={!workflows.previous} onClick={() => setPage(page - 1)}>Previous</button>
            <span>Page {page}</span>
            <button type="button" disabled={!workflows.next} onClick={() => setPage(page + 1)}>Next</button>
          </div>
        )}
      </main>
    </>
  );
}
