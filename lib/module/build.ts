/**
 * `npm run module`: writes the Terraform module `terraform-aws-chat-server` (standard module structure) from
 * the ChatServer construct: the resources as synthesized with the module's variables (rendered as HCL,
 * main.tf, value for value: lib/module/resources-tf.ts), the variables, outputs and versions as HCL, one prebuilt zip per function (the deployed bundles, zipped by the
 * project's deterministic zip writer), README (terraform-docs tables), LICENSE, CHANGELOG, the examples and the
 * module's own `terraform test` suite. Nothing of the build machine goes in (no absolute path, no timestamp):
 * two builds of the same sources are byte-identical.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';
import { bundleHandlers } from '../bundling';
import type { HandlerId } from '../schema';
import { ARCHIVE_FILE_MODE, zipDirectory, zipFiles } from '../deterministic-zip';
import { renderModuleReadme, type ModuleResource } from './docs';
import { renderOutputsTf, renderVariablesTf, renderVersionsTf, type ModuleOutput } from './hcl';
import { ChatServerModuleStack, functionZipPath } from './module-stack';
import { blockPathsOf, renderResourcesTf, type BlockPaths } from './resources-tf';
import { optionalPartsTest, validationTest } from './module-tests';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Hand-written parts of the module: the examples (root modules a user would write). */
const MODULE_SOURCES = path.join(REPO_ROOT, 'module');

export const MODULE_EXAMPLES: ReadonlyArray<{ readonly name: string; readonly description: string }> = [
  { name: 'complete', description: 'the whole backend with a Cognito user pool created by the module (the default auth)' },
  { name: 'existing-oidc-issuer', description: 'tokens of an OpenID Connect issuer you already run (Auth0, Okta, Keycloak, ...)' },
  { name: 'custom-domain', description: 'the WebSocket API on your own domain, with Route 53 alias records' },
  { name: 'with-bot', description: 'a bot Lambda function subscribed through `bots`, its role given the bot-reply policy' },
];

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface BuiltModule {
  readonly directory: string;
  /** The resources as the module declares them, in Terraform JSON (main.tf is this, as HCL). */
  readonly resources: Json;
  /** Resource address (`aws_lambda_function.x`) by construct path (`chat/fn-connect/function`). */
  readonly addresses: ReadonlyMap<string, string>;
}

/** Synthesizes the module stack (no provider, no backend): its Terraform JSON, and its nested blocks for HCL. */
export function synthesizeModuleStack(): { json: Json; blocks: BlockPaths } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'chat-module-synth-'));
  try {
    const app = new App({ outdir, skipValidation: true });
    const stack = new ChatServerModuleStack(app, 'module');
    app.synth();
    const json = JSON.parse(fs.readFileSync(path.join(outdir, 'stacks', 'module', 'cdk.tf.json'), 'utf8')) as Json;
    return { json, blocks: blockPathsOf(stack) };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The module's resources: cdktf's synth without what belongs elsewhere (variables → variables.tf, outputs →
 * outputs.tf, the `terraform` block → versions.tf, cdktf's stack metadata) and without per-resource construct
 * paths (build machine details); each resource keeps its annotation of accepted checkov findings.
 */
export function moduleResources(synthesized: Json): { resources: Json; outputs: ModuleOutput[]; addresses: Map<string, string> } {
  const addresses = new Map<string, string>();
  const resources: Json = {};
  for (const block of ['resource', 'data'] as const) {
    if (!synthesized[block]) continue;
    resources[block] = {};
    for (const type of Object.keys(synthesized[block]).sort()) {
      resources[block][type] = {};
      for (const name of Object.keys(synthesized[block][type]).sort()) {
        const { '//': meta, ...config } = synthesized[block][type][name] as Json;
        const constructPath = (meta?.metadata?.path as string | undefined)?.replace(/^module\//, '');
        if (constructPath) addresses.set(constructPath, `${block === 'data' ? 'data.' : ''}${type}.${name}`);
        resources[block][type][name] = meta?.checkov ? { '//': { checkov: meta.checkov }, ...config } : config;
      }
    }
  }
  const outputs: ModuleOutput[] = Object.entries((synthesized.output ?? {}) as Record<string, Json>).map(([name, output]) => ({
    name,
    value: output.value as string,
    description: output.description as string,
    ...(output.sensitive ? { sensitive: true } : {}),
  }));
  return { resources, outputs, addresses };
}

function write(file: string, contents: string | Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, contents);
}

/** The architecture diagram of README.md (its first mermaid block): one diagram for the project and the module. */
function architectureDiagram(): string {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const match = /```mermaid\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('README.md has no mermaid diagram');
  return match[1];
}

const MIT_LICENSE = (holder: string) => `MIT License

Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

/** Copies a hand-written folder (sorted, file by file) into the module. */
function copyTree(from: string, to: string, skip: (relative: string) => boolean = () => false): void {
  for (const entry of fs.readdirSync(from, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const source = path.join(from, entry.name);
    const relative = path.relative(MODULE_SOURCES, source);
    if (skip(relative)) continue;
    if (entry.isDirectory()) copyTree(source, path.join(to, entry.name), skip);
    else write(path.join(to, entry.name), fs.readFileSync(source));
  }
}

/** Builds the module into `directory` (replaced). */
export function buildModule(directory: string): BuiltModule {
  const packageJson = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; license: string };
  const { json: synthesized, blocks } = synthesizeModuleStack();
  const { resources, outputs, addresses } = moduleResources(synthesized);
  const address = (constructPath: string): string => {
    const found = addresses.get(constructPath);
    if (!found) throw new Error(`module build: no resource at ${constructPath}`);
    return found;
  };

  fs.rmSync(directory, { recursive: true, force: true });
  write(path.join(directory, 'main.tf'), renderResourcesTf(resources, blocks));
  write(path.join(directory, 'variables.tf'), renderVariablesTf());
  write(path.join(directory, 'outputs.tf'), renderOutputsTf(outputs));
  write(path.join(directory, 'versions.tf'), renderVersionsTf());

  // Every function's deployed bundle, zipped as archive_file would: the same bytes on every machine.
  const bundles = bundleHandlers(REPO_ROOT);
  for (const id of Object.keys(bundles) as HandlerId[]) {
    write(path.join(directory, functionZipPath(id)), zipDirectory(bundles[id].directory, ARCHIVE_FILE_MODE).zip);
  }

  const listed: ModuleResource[] = [];
  for (const block of ['resource', 'data'] as const) {
    for (const [type, byName] of Object.entries((resources[block] ?? {}) as Record<string, Json>)) {
      for (const [name, config] of Object.entries(byName as Record<string, Json>)) {
        listed.push({ type, name, mode: block === 'data' ? 'data' : 'managed', count: 'count' in config, forEach: 'for_each' in config });
      }
    }
  }
  write(
    path.join(directory, 'README.md'),
    renderModuleReadme({
      version: packageJson.version,
      architectureMermaid: architectureDiagram(),
      resources: listed,
      outputs: outputs.map(({ name, description }) => ({ name, description })),
      examples: MODULE_EXAMPLES,
    }),
  );
  write(path.join(directory, 'LICENSE'), MIT_LICENSE('cdktf-chat-server contributors'));
  write(path.join(directory, 'CHANGELOG.md'), fs.readFileSync(path.join(REPO_ROOT, 'CHANGELOG.md')));

  // The examples, the with-bot example's bot zipped next to it.
  copyTree(path.join(MODULE_SOURCES, 'examples'), path.join(directory, 'examples'), (relative) => relative.startsWith(path.join('examples', 'with-bot', 'bot')));
  const botSource = path.join(MODULE_SOURCES, 'examples', 'with-bot', 'bot', 'index.mjs');
  write(path.join(directory, 'examples', 'with-bot', 'bot.zip'), zipFiles([{ name: 'index.mjs', data: fs.readFileSync(botSource) }], ARCHIVE_FILE_MODE));

  write(path.join(directory, 'tests', 'optional_parts.tftest.hcl'), optionalPartsTest(address));
  write(path.join(directory, 'tests', 'validation.tftest.hcl'), validationTest());
  return { directory, resources, addresses };
}
