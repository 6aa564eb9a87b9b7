/**
 * The module's resources as HCL (main.tf), rendered from cdktf's Terraform JSON, value for value: a JSON
 * string is already a Terraform template, so it becomes the same template in HCL (one whole interpolation a
 * bare expression, any other string a quoted template with its literal text escaped and its interpolations
 * kept), and numbers, booleans, lists and maps become their literals. What HCL needs and JSON does not say
 * (which keys are nested blocks) comes from the provider bindings themselves (`synthesizeHclAttributes`).
 * Accepted checkov findings become `#checkov:skip=<id>: <reason>` comments inside their resource, where
 * checkov and a reviewer read them. `terraform fmt -check` holds for the output; the module tests plan this
 * file and the JSON it came from and compare the plans.
 */
import { TerraformDataSource, TerraformResource, type TerraformStack } from 'cdktf';
import { hclString } from '../settings';
import { hclExpression } from './hcl';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Dotted paths of nested blocks (`environment`, `account_recovery_setting.recovery_mechanism`) by resource type. */
export type BlockPaths = ReadonlyMap<string, ReadonlySet<string>>;

interface HclAttribute {
  readonly value?: unknown;
  readonly isBlock?: boolean;
}

function collectBlocks(attributes: unknown, prefix: string, into: Set<string>): void {
  if (!attributes || typeof attributes !== 'object') return;
  for (const [key, attribute] of Object.entries(attributes as Record<string, HclAttribute>)) {
    if (!attribute || typeof attribute !== 'object' || !attribute.isBlock) continue;
    into.add(`${prefix}${key}`);
    for (const element of Array.isArray(attribute.value) ? attribute.value : [attribute.value]) {
      collectBlocks(element, `${prefix}${key}.`, into);
    }
  }
}

/** The nested blocks of every resource and data source type in a stack, as its provider bindings describe them. */
export function blockPathsOf(stack: TerraformStack): BlockPaths {
  const paths = new Map<string, Set<string>>();
  for (const node of stack.node.findAll()) {
    if (!(node instanceof TerraformResource) && !(node instanceof TerraformDataSource)) continue;
    const into = paths.get(node.terraformResourceType) ?? new Set<string>();
    collectBlocks((node as unknown as { synthesizeHclAttributes(): unknown }).synthesizeHclAttributes(), '', into);
    paths.set(node.terraformResourceType, into);
  }
  return paths;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** An HCL expression for a JSON value; multi-line for non-empty maps and long lists. */
function expression(value: unknown, indent: string): string {
  if (typeof value === 'string') return hclExpression(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const items = value.map((item) => expression(item, `${indent}  `));
    const inline = `[${items.join(', ')}]`;
    if (!inline.includes('\n') && inline.length <= 100) return inline;
    return `[\n${items.map((item) => `${indent}  ${item},`).join('\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return '{}';
    return `{\n${attributeLines(entries.map(([key, item]) => [IDENTIFIER.test(key) ? key : hclString(key), item]), `${indent}  `).join('\n')}\n${indent}}`;
  }
  throw new Error(`resources-tf: no HCL for ${String(value)}`);
}

/** `key = value` lines, `=` aligned as terraform fmt aligns runs of single-line attributes. */
function attributeLines(entries: ReadonlyArray<readonly [string, unknown]>, indent: string): string[] {
  const rendered = entries.map(([key, value]) => ({ key, text: expression(value, indent) }));
  const lines: string[] = [];
  let run: typeof rendered = [];
  const flush = () => {
    const width = Math.max(0, ...run.map((entry) => entry.key.length));
    for (const entry of run) lines.push(`${indent}${entry.key.padEnd(width)} = ${entry.text}`);
    run = [];
  };
  for (const entry of rendered) {
    if (entry.text.includes('\n')) {
      flush();
      lines.push(`${indent}${entry.key} = ${entry.text}`);
    } else {
      run.push(entry);
    }
  }
  flush();
  return lines;
}

/** A block's body: meta-arguments, attributes, then nested blocks (and `lifecycle` last), terraform fmt's layout. */
function body(config: Json, blocks: ReadonlySet<string>, prefix: string, indent: string): string[] {
  const meta = ['count', 'for_each', 'provider'].filter((key) => key in config).map((key) => [key, config[key]] as const);
  const attributes: Array<readonly [string, unknown]> = [];
  const nested: Array<readonly [string, unknown]> = [];
  for (const [key, value] of Object.entries(config)) {
    if (['count', 'for_each', 'provider', 'depends_on', 'lifecycle', '//'].includes(key)) continue;
    (blocks.has(`${prefix}${key}`) ? nested : attributes).push([key, value]);
  }
  const sections: string[][] = [];
  if (meta.length > 0) sections.push(attributeLines(meta, indent));
  if (attributes.length > 0) sections.push(attributeLines(attributes, indent));
  for (const [key, value] of nested) {
    for (const element of Array.isArray(value) ? value : [value]) {
      sections.push([`${indent}${key} {`, ...body(element as Json, blocks, `${prefix}${key}.`, `${indent}  `), `${indent}}`]);
    }
  }
  if (config.depends_on) {
    const references = (config.depends_on as string[]).map((reference) => `${indent}  ${reference},`);
    sections.push([`${indent}depends_on = [`, ...references, `${indent}]`]);
  }
  if (config.lifecycle) {
    sections.push([`${indent}lifecycle {`, ...attributeLines(Object.entries(config.lifecycle as Json), `${indent}  `), `${indent}}`]);
  }
  return sections.flatMap((section, index) => (index === 0 ? section : ['', ...section]));
}

/** main.tf for the resources and data sources of a module's Terraform JSON. */
export function renderResourcesTf(resources: Json, blocks: BlockPaths): string {
  const out: string[] = [];
  for (const kind of ['data', 'resource'] as const) {
    for (const [type, byName] of Object.entries((resources[kind] ?? {}) as Record<string, Json>)) {
      for (const [name, config] of Object.entries(byName as Record<string, Json>)) {
        const skips = ((config['//']?.checkov?.skip ?? []) as Array<{ id: string; comment: string }>).map(
          (skip) => `  #checkov:skip=${skip.id}: ${skip.comment.replace(/\s+/g, ' ')}`,
        );
        const lines = body(config, blocks.get(type) ?? new Set(), '', '  ');
        out.push([`${kind} ${hclString(type)} ${hclString(name)} {`, ...skips, ...(skips.length > 0 && lines.length > 0 ? [''] : []), ...lines, '}'].join('\n'));
      }
    }
  }
  return `${out.join('\n\n')}\n`;
}
