/** A form generated from a kind's JSON Schema, with inline client and server errors by path. */
import { useEffect, useId, useState } from "react";
import type { JsonSchema } from "../api/types";
import { joinPath } from "../graph/catalog";

type Path = (string | number)[];
type Errors = Record<string, string>;

interface FieldProps {
  schema: JsonSchema;
  value: unknown;
  path: Path;
  errors: Errors;
  required: boolean;
  onChange(value: unknown): void;
  label: string;
}

function typeOf(schema: JsonSchema): string {
  if (Array.isArray(schema.type)) return schema.type.includes("object") && schema.type.includes("boolean") ? "toggle-object" : schema.type[0] ?? "string";
  if (schema.oneOf) return "scalar";
  return schema.type ?? "string";
}

function FieldError({ id, message }: { id: string; message: string | undefined }) {
  return message ? <p className="field-error" id={id} role="alert">{message}</p> : null;
}

function Described({ schema, id }: { schema: JsonSchema; id: string }) {
  return schema.description ? <p className="field-help" id={id}>{schema.description}</p> : null;
}

/** Text/number input that keeps what the user types while it is not yet a valid number. */
function ScalarInput({ schema, value, onChange, id, describedBy, invalid, kind }: {
  schema: JsonSchema; value: unknown; onChange(value: unknown): void; id: string; describedBy: string; invalid: boolean; kind: string;
}) {
  const shown = value === undefined || value === null ? "" : String(value);
  const [draft, setDraft] = useState(shown);
  useEffect(() => setDraft((current) => (parse(current) === value ? current : shown)), [shown]); // eslint-like: follow outside changes
  function parse(text: string): unknown {
    if (text === "") return undefined;
    if (kind === "integer" || kind === "number") {
      const number = Number(text);
      return Number.isFinite(number) && text.trim() !== "" ? number : text;
    }
    if (kind === "scalar" && /^\d+$/.test(text)) return Number(text);
    return text;
  }
  const secret = schema["x-kubeorch-secret"] === true;
  return (
    <input id={id} type={secret ? "password" : kind === "integer" || kind === "number" ? "number" : "text"}
      inputMode={kind === "integer" ? "numeric" : undefined} value={draft} aria-describedby={describedBy} aria-invalid={invalid}
      placeholder={schema.default !== undefined ? String(schema.default) : undefined} autoComplete="off" spellCheck={false}
      step={kind === "integer" ? 1 : undefined}
      onChange={(event) => { setDraft(event.target.value); onChange(parse(event.target.value)); }} />
  );
}

function MapEditor({ value, onChange, label, secret }: { value: unknown; onChange(value: unknown): void; label: string; secret: boolean }) {
  const entries = value && typeof value === "object" ? Object.entries(value as Record<string, unknown>) : [];
  const update = (next: [string, unknown][]) => onChange(next.length ? Object.fromEntries(next) : undefined);
  return (
    <div className="map-editor">
      {entries.map(([key, entryValue], index) => (
        <div className="row" key={index}>
          <input aria-label={`${label} key ${index + 1}`} value={key} onChange={(event) => update(entries.map((entry, i) => (i === index ? [event.target.value, entry[1]] : entry)))} />
          <input aria-label={`${label} value ${index + 1}`} type={secret ? "password" : "text"} value={String(entryValue ?? "")}
            onChange={(event) => update(entries.map((entry, i) => (i === index ? [entry[0], event.target.value] : entry)))} />
          <button type="button" className="icon-button" aria-label={`Remove ${label} ${key || index + 1}`} onClick={() => update(entries.filter((_, i) => i !== index))}>×</button>
        </div>
      ))}
      <button type="button" className="link-button" onClick={() => update([...entries, [entries.some(([k]) => k === "") ? `key${entries.length + 1}` : "", ""]])}>+ Add {label.toLowerCase()} entry</button>
    </div>
  );
}

function SchemaField({ schema, value, path, errors, required, onChange, label }: FieldProps) {
  const id = useId();
  const key = joinPath(path);
  const error = errors[key];
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy = `${helpId} ${errorId}`;
  const kind = typeOf(schema);
  const title = `${label}${required ? " *" : ""}`;

  if (kind === "object" && schema.properties) {
    return (
      <fieldset className={`field-group${error ? " invalid" : ""}`}>
        <legend>{title}</legend>
        <Described schema={schema} id={helpId} />
        <ObjectFields schema={schema} value={(value as Record<string, unknown>) ?? {}} path={path} errors={errors}
          onChange={(next) => onChange(Object.keys(next).length ? next : undefined)} />
        <FieldError id={errorId} message={error} />
      </fieldset>
    );
  }
  if (kind === "object") {
    const secret = typeof schema.additionalProperties === "object" && schema.additionalProperties["x-kubeorch-secret"] === true;
    return (
      <fieldset className={`field-group${error ? " invalid" : ""}`} data-path={key}>
        <legend>{title}</legend>
        <Described schema={schema} id={helpId} />
        <MapEditor value={value} onChange={onChange} label={label} secret={secret || schema["x-kubeorch-secret"] === true} />
        <FieldError id={errorId} message={error} />
      </fieldset>
    );
  }
  if (kind === "array") {
    const items = Array.isArray(value) ? value : [];
    const itemSchema = schema.items ?? { type: "string" };
    if (itemSchema.enum) {
      return (
        <fieldset className={`field-group${error ? " invalid" : ""}`} data-path={key}>
          <legend>{title}</legend>
          <Described schema={schema} id={helpId} />
          {itemSchema.enum.map((option) => (
            <label className="check" key={String(option)}>
              <input type="checkbox" checked={items.includes(option)}
                onChange={(event) => { const next = event.target.checked ? [...items, option] : items.filter((item) => item !== option); onChange(next.length ? next : undefined); }} />
              {String(option)}
            </label>
          ))}
          <FieldError id={errorId} message={error} />
        </fieldset>
      );
    }
    const blank = typeOf(itemSchema) === "object" ? {} : "";
    return (
      <fieldset className={`field-group${error ? " invalid" : ""}`} data-path={key}>
        <legend>{title}</legend>
        <Described schema={schema} id={helpId} />
        {items.map((item, index) => (
          <div className="array-item" key={index}>
            <SchemaField schema={itemSchema} value={item} path={[...path, index]} errors={errors} required={false}
              label={`${itemSchema.title ?? label} ${index + 1}`}
              onChange={(next) => onChange(items.map((existing, i) => (i === index ? next : existing)))} />
            <button type="button" className="icon-button" aria-label={`Remove ${itemSchema.title ?? label} ${index + 1}`}
              onClick={() => { const next = items.filter((_, i) => i !== index); onChange(next.length ? next : undefined); }}>×</button>
          </div>
        ))}
        <button type="button" className="link-button" onClick={() => onChange([...items, structuredClone(blank)])}>+ Add {(itemSchema.title ?? label).toLowerCase()}</button>
        <FieldError id={errorId} message={error} />
      </fieldset>
    );
  }
  if (kind === "boolean" || kind === "toggle-object") {
    const checked = Boolean(value ?? schema.default);
    return (
      <div className={`field check-field${error ? " invalid" : ""}`} data-path={key}>
        <label className="check">
          <input type="checkbox" checked={checked} aria-describedby={describedBy}
            onChange={(event) => onChange(event.target.checked)} />
          {title}
        </label>
        <Described schema={schema} id={helpId} />
        {kind === "toggle-object" && checked && schema.properties && (
          <ObjectFields schema={schema} value={typeof value === "object" && value ? (value as Record<string, unknown>) : {}} path={path} errors={errors}
            onChange={(next) => onChange(Object.keys(next).length ? next : true)} />
        )}
        <FieldError id={errorId} message={error} />
      </div>
    );
  }
  return (
    <div className={`field${error ? " invalid" : ""}`} data-path={key}>
      <label htmlFor={id}>{title}</label>
      {schema.enum ? (
        <select id={id} value={value === undefined ? "" : String(value)} aria-describedby={describedBy} aria-invalid={Boolean(error)}
          onChange={(event) => {
            const option = schema.enum!.find((candidate) => String(candidate) === event.target.value);
            onChange(event.target.value === "" ? undefined : option);
          }}>
          <option value="">{schema.default !== undefined ? `Default (${String(schema.default)})` : "—"}</option>
          {schema.enum.map((option) => <option key={String(option)} value={String(option)}>{String(option)}</option>)}
        </select>
      ) : (
        <ScalarInput schema={schema} value={value} onChange={onChange} id={id} describedBy={describedBy} invalid={Boolean(error)} kind={kind} />
      )}
      <Described schema={schema} id={helpId} />
      <FieldError id={errorId} message={error} />
    </div>
  );
}

function ObjectFields({ schema, value, path, errors, onChange }: {
  schema: JsonSchema; value: Record<string, unknown>; path: Path; errors: Errors; onChange(value: Record<string, unknown>): void;
}) {
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, child]) => (
        <SchemaField key={name} schema={child} value={value[name]} path={[...path, name]} errors={errors}
          required={schema.required?.includes(name) ?? false} label={child.title ?? name}
          onChange={(next) => {
            const copy = { ...value };
            if (next === undefined) delete copy[name];
            else copy[name] = next;
            onChange(copy);
          }} />
      ))}
    </>
  );
}

/** Required fields and plain scalars come first; maps, lists and metadata go under "More settings". */
function isPrimary(schema: JsonSchema, name: string, child: JsonSchema): boolean {
  if (schema.required?.includes(name)) return true;
  if (name === "namespace") return false;
  const kind = typeOf(child);
  return kind === "string" || kind === "integer" || kind === "number" || kind === "boolean" || kind === "scalar" || (kind === "array" && name === "paths");
}

/** Top-level form: `errors` keys are data paths like `ports[0].containerPort` ("" = the whole node). */
export function SchemaForm({ schema, data, errors, onChange }: {
  schema: JsonSchema; data: Record<string, unknown>; errors: Errors; onChange(data: Record<string, unknown>, field: string): void;
}) {
  const entries = Object.entries(schema.properties ?? {});
  const primary = entries.filter(([name, child]) => isPrimary(schema, name, child));
  const advanced = entries.filter(([name, child]) => !isPrimary(schema, name, child));
  const render = ([name, child]: [string, JsonSchema]) => (
    <SchemaField key={name} schema={child} value={data[name]} path={[name]} errors={errors}
      required={schema.required?.includes(name) ?? false} label={child.title ?? name}
      onChange={(next) => {
        const copy = { ...data };
        if (next === undefined) delete copy[name];
        else copy[name] = next;
        onChange(copy, name);
      }} />
  );
  const advancedHasErrors = advanced.some(([name]) => Object.keys(errors).some((key) => key === name || key.startsWith(`${name}.`) || key.startsWith(`${name}[`)));
  return (
    <div className="schema-form">
      {primary.map(render)}
      {advanced.length > 0 && (
        <details open={advancedHasErrors || undefined}>
          <summary>More settings ({advanced.length})</summary>
          {advanced.map(render)}
        </details>
      )}
    </div>
  );
}
