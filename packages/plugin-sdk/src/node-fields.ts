/**
 * Field values to and from graph node attributes: a plugin node made by surgery carries its
 * fields as attributes (and its version in `kiln_plugin_version`), and a converter reads a
 * node's attributes back as field values, typed by the schema.
 */
import type { AttributeValue, PluginFieldValue } from '@kiln-inference/core';
import type { FieldSchema } from './field-schema.js';

/** The attribute a plugin node records its plugin version in. */
export const PLUGIN_VERSION_ATTRIBUTE = 'kiln_plugin_version';

/** Checked field values as node attributes, tagged by the schema's types. */
export function fieldsToAttributes(
  schema: FieldSchema,
  fields: Readonly<Record<string, PluginFieldValue>>,
): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(fields)) {
    const spec = schema[name];
    if (!spec || value === null) continue;
    // Field types are named as attribute kinds are.
    out[name] = { kind: spec.type, value } as AttributeValue;
  }
  return out;
}

/** A node's attributes as plain values (what a conversion's `fields` mapping receives). */
export function attributeValues(attributes: Readonly<Record<string, AttributeValue>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).map(([name, a]) => [name, a.value]));
}

/**
 * Field values read from attributes of the same names, coerced where formats differ (ONNX has
 * no bool attributes: an int 0/1 is a bool; TF ints may feed float fields). Other attributes
 * are ignored: they are the op's own (dtypes, formats) and no field of the plugin.
 */
export function fieldsFromAttributes(schema: FieldSchema, attributes: Readonly<Record<string, AttributeValue>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const a = attributes[name];
    if (!a) continue;
    if (spec.type === 'bool' && a.kind === 'int') out[name] = a.value !== 0;
    else if (spec.type === 'int' && a.kind === 'bool') out[name] = a.value ? 1 : 0;
    else out[name] = a.value;
  }
  return out;
}
