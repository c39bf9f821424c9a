/** New artifact (name, placement, files or a tar/tar.gz) and "new revision" (files and options). */
import { useEffect, useState } from "react";
import { artifactsApi, deployForm, type Accepted, type DeployOptions } from "../../api/artifacts";
import { api } from "../../api/endpoints";
import type { Cluster } from "../../api/types";
import { ErrorNotice } from "./common";

const ARCHIVE = /\.(tar|tar\.gz|tgz)$/i;

function base64(buffer: ArrayBuffer): string {
  const bytes = new Uint8Array(buffer);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Picked files as the API's `{path: base64}` map (paths relative to a picked folder). */
export async function filesMap(files: File[]): Promise<Record<string, string>> {
  const entries = await Promise.all(files.map(async (file) => {
    const relative = (file as File & { webkitRelativePath?: string }).webkitRelativePath;
    const path = relative ? relative.split("/").slice(1).join("/") || file.name : file.name;
    return [path, base64(await file.arrayBuffer())] as const;
  }));
  return Object.fromEntries(entries);
}

function parseEnv(text: string): Record<string, string> | undefined {
  const pairs = text.split("\n").map((line) => line.trim()).filter((line) => line && !line.startsWith("#"));
  if (!pairs.length) return undefined;
  return Object.fromEntries(pairs.map((line) => {
    const at = line.indexOf("=");
    return at < 0 ? [line, ""] : [line.slice(0, at).trim(), line.slice(at + 1)];
  }));
}

export function SourceForm({ artifactId, onDone, onCancel }: { artifactId?: number; onDone(accepted: Accepted): void; onCancel(): void }) {
  const creating = artifactId === undefined;
  const [clusters, setClusters] = useState<Cluster[]>([]);
  const [form, setForm] = useState({ name: "", cluster: "", namespace: "", host: "", port: "", env: "" });
  const [files, setFiles] = useState<File[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => { if (creating) api.clusters().then(setClusters).catch(setError); }, [creating]);

  const archive = files.length === 1 && ARCHIVE.test(files[0]!.name) ? files[0]! : null;
  const submit = async () => {
    setError(null);
    setBusy(true);
    try {
      const options: Partial<DeployOptions> = {
        ...(creating ? { name: form.name.trim() } : {}),
        ...(creating && form.cluster ? { cluster: Number(form.cluster) } : {}),
        ...(creating && form.namespace.trim() ? { namespace: form.namespace.trim() } : {}),
        ...(creating && form.host.trim() ? { host: form.host.trim() } : {}),
        ...(form.port ? { port: Number(form.port) } : {}),
        ...(parseEnv(form.env) ? { env: parseEnv(form.env) } : {}),
      };
      let accepted: Accepted;
      if (archive) {
        const body = deployForm(options, archive, archive.name);
        accepted = creating ? await artifactsApi.deployArchive(body) : await artifactsApi.updateArchive(artifactId, body);
      } else {
        const map = files.length ? await filesMap(files) : undefined;
        const body = { ...options, ...(map ? { files: map, files_encoding: "base64" as const } : {}) };
        accepted = creating
          ? await artifactsApi.deploy({ name: form.name.trim(), ...body, files: map ?? {} })
          : await artifactsApi.update(artifactId, body);
      }
      onDone(accepted);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="dialog stack" aria-label={creating ? "New artifact" : "New revision"} onSubmit={(event) => { event.preventDefault(); void submit(); }}>
      <h2>{creating ? "New artifact" : "New revision"}</h2>
      {creating && <>
        <label>Name <input required autoFocus value={form.name} maxLength={40} pattern="[a-z]([-a-z0-9]*[a-z0-9])?" onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
        <label>Cluster
          <select value={form.cluster} onChange={(e) => setForm({ ...form, cluster: e.target.value })}>
            <option value="">{clusters.length === 1 ? `${clusters[0]!.name} (your only cluster)` : "Choose…"}</option>
            {clusters.map((cluster) => <option key={cluster.id} value={cluster.id}>{cluster.name}</option>)}
          </select>
        </label>
        <label>Namespace <input value={form.namespace} placeholder="the cluster's default" onChange={(e) => setForm({ ...form, namespace: e.target.value })} /></label>
        <label>Host <input value={form.host} placeholder="optional: an Ingress host" onChange={(e) => setForm({ ...form, host: e.target.value })} /></label>
      </>}
      <label>Source files (several files, or one .tar / .tar.gz)
        <input type="file" multiple aria-label="Source files" onChange={(e) => setFiles(Array.from(e.target.files ?? []))} />
      </label>
      {files.length > 0 && <p className="muted small">{archive ? `archive ${archive.name}` : `${files.length} file${files.length > 1 ? "s" : ""}: ${files.map((f) => f.name).join(", ")}`}</p>}
      <label>Port <input type="number" min={1} max={65535} value={form.port} placeholder="detected" onChange={(e) => setForm({ ...form, port: e.target.value })} /></label>
      <label>Environment (NAME=value per line) <textarea rows={3} className="mono" value={form.env} onChange={(e) => setForm({ ...form, env: e.target.value })} /></label>
      <ErrorNotice error={error} />
      <div className="row-actions">
        <button type="submit" className="primary" disabled={busy || (creating && files.length === 0)}>{creating ? "Deploy" : "Deploy revision"}</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
