/**
 * The documentation generated from the settings: the module README (terraform-aws-modules' shape, its
 * reference tables exactly as terraform-docs prints them) and the settings table of help/deploy.md, so the
 * reader of the construct's docs and the reader of the module's docs see the same names, defaults and rules.
 * Pure functions, free of cdktf.
 */
import { AWS_PROVIDER_VERSION_RANGE } from '../chat-server-defaults';
import { AUTH_MODES, REQUIRED_WITH, SETTINGS, TAG_RULES, type AuthModeName, type Setting, type SettingKey } from '../settings';
import { BOT_RULES, REQUIRED_TERRAFORM_VERSION, hclTypeExpression } from './hcl';
import { anchoredName, defaultValueText, fencedCode, markdownTableCell, terraformDocsTable } from './terraform-docs-markdown';

/** terraform-docs' markers around the generated part of a README (its `inject` mode). */
export const TF_DOCS_MARKERS = { begin: '<!-- BEGIN_TF_DOCS -->', end: '<!-- END_TF_DOCS -->' } as const;

/** The markers around {@link settingsTable} in help/deploy.md. */
export const SETTINGS_MARKERS = { begin: '<!-- BEGIN_SETTINGS -->', end: '<!-- END_SETTINGS -->' } as const;

/** Registry name of the module: `<namespace>/chat-server/aws`, repository `terraform-aws-chat-server`. */
export const MODULE_NAME = 'chat-server';
export const MODULE_REPOSITORY = 'terraform-aws-chat-server';

/**
 * The Inputs table exactly as `terraform-docs markdown table --sort=false` prints it for the module's
 * variables.tf: one row per setting in SETTINGS order, with anchors, escaped names and descriptions, the
 * type as written (`<pre>` when it spans lines), the default as JSON (`n/a` when required).
 */
export function inputsTable(): string {
  const rows = (Object.values(SETTINGS) as Setting[]).map((setting) => {
    const required = setting.required === true;
    const value = defaultValueText(setting.default, required);
    return [
      anchoredName('input', setting.variable),
      markdownTableCell(setting.description),
      markdownTableCell(fencedCode(hclTypeExpression(setting.type))),
      markdownTableCell(value === '' ? 'n/a' : fencedCode(value)),
      required ? 'yes' : 'no',
    ];
  });
  return terraformDocsTable(['Name', 'Description', 'Type', 'Default', 'Required'], ['----', '-----------', '----', '-------', ':------:'], rows);
}

/** How the construct writes each kind of `auth` the module's `auth_mode` names. */
const CONSTRUCT_AUTH: Readonly<Record<(typeof AUTH_MODES)[AuthModeName], string>> = {
  createCognitoUserPool: '`{ createCognitoUserPool: true }`',
  cognito: '`{ cognitoUserPoolId, cognitoClientId }`',
  jwt: '`{ jwksUrl, issuer, audience }`',
  none: "`{ mode: 'none' }`",
};

/** A cell of a hand-made Markdown table: `|` escaped, `<...>` shown rather than read as HTML (code spans kept). */
function cell(text: string): string {
  return text
    .split('`')
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`');
}

/** A default as code, written as JSON (the way both a tfvars.json file and a TypeScript literal read it). */
function code(value: unknown): string {
  return `\`${JSON.stringify(value)}\``;
}

/** The rules of a setting, as requirement texts ("must be ..."), with what the module checks across settings. */
function ruleTexts(key: SettingKey, setting: Setting): string[] {
  const texts = [...new Set(setting.rules.map((rule) => `must be ${rule.requirement}`))];
  for (const { when } of REQUIRED_WITH.filter((entry) => entry.setting === key)) {
    const other = SETTINGS[when.setting];
    texts.push(`required when \`${other.variable}\` ${'equals' in when ? `is \`"${when.equals}"\`` : 'is set'}`);
  }
  if (key === 'tags') {
    texts.push(
      `at most ${TAG_RULES.maxTags} tags`,
      `key must be ${TAG_RULES.key.requirement} and not start with \`aws:\``,
      `value must be ${TAG_RULES.value.requirement}`,
    );
  }
  if (key === 'bots') {
    texts.push(
      `name (key) must be ${BOT_RULES.name.requirement}`,
      '`function_arn` and `function_name` must each be a non-empty string',
      `\`filter_policy\` must be a JSON object of message attribute names to arrays of conditions, its keys among ${BOT_RULES.filterPolicyKeys
        .map((name) => `\`${name}\``)
        .join(', ')}`,
      `\`dead_letter_queue_name\` must be ${BOT_RULES.deadLetterQueueName.requirement} (the default \`<topic>-<name>-dlq\` too)`,
    );
  }
  if (key === 'authMode') {
    const kinds = (Object.keys(AUTH_MODES) as AuthModeName[]).map((mode) => `\`"${mode}"\` = ${CONSTRUCT_AUTH[AUTH_MODES[mode]]}`);
    texts.push(`the construct's kinds of \`auth\`: ${kinds.join(', ')}; the construct has no default`);
  }
  return texts;
}

function defaultText(setting: Setting): string {
  if (setting.required) return 'required';
  if (setting.default === null || setting.default === undefined) return 'none';
  return code(setting.default);
}

/**
 * The table of help/deploy.md: each construct prop, its module variable, Terraform type, default and
 * rules (the requirement texts both the construct's errors and the variables' validations say).
 */
export function settingsTable(): string {
  const rows = (Object.keys(SETTINGS) as SettingKey[]).map((key) => {
    const setting: Setting = SETTINGS[key];
    return `| \`${setting.prop}\` | \`${setting.variable}\` | \`${setting.type}\` | ${cell(defaultText(setting))} | ${cell(ruleTexts(key, setting).join('; '))} |`;
  });
  return ['| construct prop | module variable | type | default | rules |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** A resource of the module, as the README's Resources table lists it. */
export interface ModuleResource {
  /** e.g. `aws_lambda_function`. */
  readonly type: string;
  readonly name: string;
  /** Created only for some settings (`count`). */
  readonly count?: boolean;
  /** One per entry of a map (`for_each`), e.g. per bot. */
  readonly forEach?: boolean;
  /** `data` for a data source (terraform-docs lists them as such); default a managed resource. */
  readonly mode?: 'managed' | 'data';
}

export interface ModuleReadmeInput {
  /** The module's version: the npm package's `version`, tagged `v<version>`. */
  readonly version: string;
  /** A Mermaid flowchart of what the module deploys (without the fences). */
  readonly architectureMermaid: string;
  readonly resources: ReadonlyArray<ModuleResource>;
  /** The outputs, in outputs.tf order. */
  readonly outputs: ReadonlyArray<{ readonly name: string; readonly description: string }>;
  /** The examples, each a folder `examples/<name>`. */
  readonly examples: ReadonlyArray<{ readonly name: string; readonly description: string }>;
}

/** The provider a resource type belongs to (terraform-config-inspect: the type's prefix). */
function providerOf(type: string): string {
  return type.split('_')[0];
}

/** Version constraints of the providers versions.tf requires. */
const REQUIRED_PROVIDERS: Readonly<Record<string, string>> = { aws: AWS_PROVIDER_VERSION_RANGE };

function section(title: string, body: string): string {
  return `## ${title}\n\n${body}`;
}

function resourcesTable(resources: ReadonlyArray<ModuleResource>): string {
  const unique = new Map<string, ModuleResource>();
  for (const resource of resources) unique.set(`${resource.mode ?? 'managed'} ${resource.type}.${resource.name}`, resource);
  if (unique.size === 0) return 'No resources.';
  // terraform-docs: managed resources before data sources, each by `type.name`.
  const sorted = [...unique.values()].sort((a, b) => {
    const modeA = a.mode ?? 'managed';
    const modeB = b.mode ?? 'managed';
    if (modeA !== modeB) return modeA > modeB ? -1 : 1;
    const specA = `${a.type}.${a.name}`;
    const specB = `${b.type}.${b.name}`;
    return specA < specB ? -1 : specA > specB ? 1 : 0;
  });
  const rows = sorted.map((resource) => {
    const provider = providerOf(resource.type);
    const kind = resource.mode === 'data' ? 'data-sources' : 'resources';
    const url = `https://registry.terraform.io/providers/hashicorp/${provider}/latest/docs/${kind}/${resource.type.slice(provider.length + 1)}`;
    return [`[${resource.type}.${resource.name}](${url})`, resource.mode === 'data' ? 'data source' : 'resource'];
  });
  return terraformDocsTable(['Name', 'Type'], ['----', '----'], rows);
}

/**
 * The part of the README between terraform-docs' markers: Requirements, Providers, Modules, Resources,
 * Inputs, Outputs, as `terraform-docs markdown table --sort=false` prints them for the module.
 */
export function terraformDocsSections(input: Pick<ModuleReadmeInput, 'resources' | 'outputs'>): string {
  const providers = [...new Set(input.resources.map((resource) => providerOf(resource.type)))].sort();
  const requirements = [
    [anchoredName('requirement', 'terraform'), REQUIRED_TERRAFORM_VERSION],
    ...Object.keys(REQUIRED_PROVIDERS)
      .sort()
      .map((name) => [anchoredName('requirement', name), REQUIRED_PROVIDERS[name]]),
  ];
  const outputs = input.outputs.map((output) => [anchoredName('output', output.name), markdownTableCell(output.description)]);
  return [
    section('Requirements', terraformDocsTable(['Name', 'Version'], ['----', '-------'], requirements)),
    section(
      'Providers',
      providers.length === 0
        ? 'No providers.'
        : terraformDocsTable(
            ['Name', 'Version'],
            ['----', '-------'],
            providers.map((name) => [anchoredName('provider', name), REQUIRED_PROVIDERS[name] ?? 'n/a']),
          ),
    ),
    section('Modules', 'No modules.'),
    section('Resources', resourcesTable(input.resources)),
    section('Inputs', inputsTable()),
    section('Outputs', outputs.length === 0 ? 'No outputs.' : terraformDocsTable(['Name', 'Description'], ['----', '-----------'], outputs)),
  ].join('\n\n');
}

/** One sentence naming the resources created only for some settings, or once per bot. */
function conditionalResources(resources: ReadonlyArray<ModuleResource>): string {
  const list = (selected: ReadonlyArray<ModuleResource>): string =>
    [...new Set(selected.map((resource) => `\`${resource.type}.${resource.name}\``))].sort().join(', ');
  const counted = resources.filter((resource) => resource.count);
  const perEntry = resources.filter((resource) => resource.forEach);
  const sentences: string[] = [];
  if (counted.length > 0) sentences.push(`Created only when the inputs call for them (\`count\`): ${list(counted)}.`);
  if (perEntry.length > 0) sentences.push(`Created once per bot of \`bots\` (\`for_each\`): ${list(perEntry)}.`);
  return sentences.join(' ');
}

/**
 * The module's README.md, in terraform-aws-modules' shape: a generated-file notice, title, what it deploys
 * (the Mermaid diagram), usage from a registry and from git pinned to `v<version>`, the examples, and the
 * terraform-docs sections between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`.
 */
export function renderModuleReadme(input: ModuleReadmeInput): string {
  const version = input.version;
  const conditional = conditionalResources(input.resources);
  const examples =
    input.examples.length === 0
      ? 'None.'
      : input.examples.map((example) => `- [${example.name}](examples/${example.name}): ${example.description}`).join('\n');
  return [
    '<!-- Generated by `npm run module` (cdktf-chat-server, tools/build-module.ts): do not edit by hand; change the construct or lib/settings.ts and rebuild. -->',
    '',
    '# AWS chat server Terraform module',
    '',
    'Terraform module which creates a real-time chat backend on AWS: an API Gateway WebSocket API with a JWT authorizer, ' +
      'one Node.js Lambda function per route, DynamoDB tables, an SNS topic that fans user messages out to your bots ' +
      'through a transactional outbox, and a bot-reply function; human agents can take a conversation over from a bot.',
    '',
    'It is generated from the `ChatServer` construct of the CDK for Terraform library cdktf-chat-server: the same resources, ' +
      'the same settings with the same defaults and rules (every variable is typed, described, defaulted and validated), ' +
      'and the functions as prebuilt zips, so neither Node.js nor any build step is needed to plan or apply it.',
    '',
    '## What it deploys',
    '',
    '```mermaid',
    input.architectureMermaid.trim(),
    '```',
    ...(conditional === '' ? [] : ['', conditional]),
    '',
    '## Usage',
    '',
    'From a private registry (HCP Terraform or Terraform Enterprise; the public registry is `<namespace>/chat-server/aws`):',
    '',
    '```hcl',
    'module "chat" {',
    '  source  = "app.terraform.io/<org>/chat-server/aws"',
    `  version = "${version}"`,
    '',
    '  name = "support-chat"',
    '}',
    '```',
    '',
    'From git, pinned to the release tag:',
    '',
    '```hcl',
    'module "chat" {',
    `  source = "git::https://github.com/<org>/${MODULE_REPOSITORY}.git?ref=v${version}"`,
    '',
    '  name = "support-chat"',
    '}',
    '```',
    '',
    'With no other input the module creates a Cognito user pool for the chat users (`auth_mode = "cognito_user_pool"`). ' +
      'Use `auth_mode = "jwt"` with `jwt_jwks_url`, `jwt_issuer` and `jwt_audience` for any OpenID Connect issuer, ' +
      'or `"existing_cognito_user_pool"` with `cognito_user_pool_id` and `cognito_client_id`. ' +
      '`name` must be unique per AWS account (IAM names are global to the account).',
    '',
    '## Examples',
    '',
    examples,
    '',
    TF_DOCS_MARKERS.begin,
    terraformDocsSections(input),
    TF_DOCS_MARKERS.end,
    '',
    '## License',
    '',
    'MIT',
    '',
  ].join('\n');
}
