/** Client-side checks that mirror the JSON Schema's simple keywords; the server has the final word. */
import type { JsonSchema } from "../api/types";
import { joinPath } from "../graph/catalog";

export function validateValue(schema: JsonSchema, value: unknown, path: (string | number)[], out: Record<string, string>): void {
  const key = joinPath(path);
  if (value === undefined || value === null) return;
  if (schema.enum && !schema.enum.includes(value)) out[key] = `must be one of ${schema.enum.join(", ")}`;
  if (typeof value === "number") {
    if (schema.type === "integer" && !Number.isInteger(value)) out[key] = "must be a whole number";
    if (schema.minimum !== undefined && value < schema.minimum) out[key] = `must be at least ${schema.minimum}`;
    if (schema.maximum !== undefined && value > schema.maximum) out[key] = `must be at most ${schema.maximum}`;
  }
  if (typeof value === "string") {
    if (schema.minLength !== undefined && value.length < schema.minLength) out[key] = schema.minLength === 1 ? "is required" : `must have at least ${schema.minLength} characters`;
    if (schema.maxLength !== undefined && value.length > schema.maxLength) out[key] = `must have at most ${schema.maxLength} characters`;
    if (schema.pattern && !new RegExp(schema.pattern, "u").test(value)) out[key] = `must match ${schema.pattern}`;
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) out[key] = `needs at least ${schema.minItems} item${schema.minItems > 1 ? "s" : ""}`;
    if (schema.items) value.forEach((item, index) => validateValue(schema.items!, item, [...path, index], out));
  } else if (value && typeof value === "object" && schema.properties) {
    const record = value as Record<string, unknown>;
    for (const required of schema.required ?? []) {
      if (record[required] === undefined || record[required] === "") out[joinPath([...path, required])] = "is required";
    }
    for (const [name, child] of Object.entries(schema.properties)) validateValue(child, record[name], [...path, name], out);
  }
}

export function validateData(schema: JsonSchema, data: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  validateValue(schema, data, [], out);
  return out;
}
