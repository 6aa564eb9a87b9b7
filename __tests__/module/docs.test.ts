/**
 * The generated documentation (lib/module/docs.ts, lib/module/terraform-docs-markdown.ts): the terraform-docs
 * formatting against terraform-docs' own expected output, the Inputs and settings tables against the settings,
 * help/deploy.md against settingsTable(), and the module README's shape.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AWS_PROVIDER_VERSION_RANGE } from '../../lib/chat-server-defaults';
import { SETTINGS_MARKERS, TF_DOCS_MARKERS, inputsTable, renderModuleReadme, settingsTable, type ModuleReadmeInput } from '../../lib/module/docs';
import { hclTypeExpression } from '../../lib/module/hcl';
import { anchoredName, defaultValueText, fencedCode, markdownTableCell } from '../../lib/module/terraform-docs-markdown';
import { REQUIRED_WITH, SETTINGS, type Setting, type SettingKey } from '../../lib/settings';
import { terraform, terraformDir } from './support/terraform-cli';

const ROOT = path.resolve(__dirname, '../..');
const KEYS = Object.keys(SETTINGS) as SettingKey[];

/** Text between two markers (exclusive, without the newlines next to them). */
function between(text: string, begin: string, end: string): string {
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`markers ${begin} … ${end} not found in order`);
  return text.slice(start + begin.length, stop).replace(/^\n/, '').replace(/\n$/, '');
}

describe('terraform-docs formatting', () => {
  // The expected cells are terraform-docs' own, from its format/testdata/markdown/table-EscapeCharacters.golden
  // (escaping on, HTML on) for the inputs of its examples/variables.tf.
  test.each([
    ['a pipe', 'It includes v1 | v2 | v3', 'It includes v1 \\| v2 \\| v3'],
    [
      'underscores outside code only',
      "The description contains `something_with_underscore`. Defaults to 'VALUE_WITH_UNDERSCORE'.",
      "The description contains `something_with_underscore`. Defaults to 'VALUE\\_WITH\\_UNDERSCORE'.",
    ],
    ['a URL left as written', 'The description contains url. https://www.domain.com/foo/bar_baz.html', 'The description contains url. https://www.domain.com/foo/bar_baz.html'],
    ['paragraphs', 'This description is itself markdown.\n\nIt spans over multiple lines.\n', 'This description is itself markdown.<br/><br/>It spans over multiple lines.'],
    [
      'a code block',
      'This is a complicated one. We need a newline.  \nAnd an example in a code block\n```\ndefault     = [\n  "machine rack01:neptune"\n]\n```\n',
      'This is a complicated one. We need a newline.<br/>And an example in a code block<pre>default     = [<br/>  "machine rack01:neptune"<br/>]</pre>',
    ],
    ['an empty description', '', 'n/a'],
    // From the same golden's header, escaped by the same function: emphasis stays, a word's underscore is escaped.
    ['Markdown emphasis kept', 'Even inline **formatting** in _here_ is possible.', 'Even inline **formatting** in _here_ is possible.'],
    ['an underscore in a word', "Example of 'foo_bar' module in `foo_bar.tf`.", "Example of 'foo\\_bar' module in `foo_bar.tf`."],
  ])('markdownTableCell: %s', (_, description, expected) => {
    // GIVEN a variable description  WHEN it is made a table cell  THEN it is what terraform-docs prints
    expect(markdownTableCell(description)).toBe(expected);
  });

  test('markdownTableCell: a multi-line type or default becomes <pre>, a one-line one inline code', () => {
    // GIVEN types and defaults of terraform-docs' examples  WHEN fenced and made cells  THEN they are its cells
    const longType =
      'object({\n    name = string,\n    foo  = object({ foo = string, bar = string }),\n    bar  = object({ foo = string, bar = string }),\n    fizz = list(string),\n    buzz = list(string)\n  })';
    expect(markdownTableCell(fencedCode(longType))).toBe(
      '<pre>object({<br/>    name = string,<br/>    foo  = object({ foo = string, bar = string }),<br/>    bar  = object({ foo = string, bar = string }),<br/>    fizz = list(string),<br/>    buzz = list(string)<br/>  })</pre>',
    );
    expect(markdownTableCell(fencedCode('list(string)'))).toBe('`list(string)`');
    expect(markdownTableCell(fencedCode(defaultValueText({ c: 3, a: 1, b: 2 }, false)))).toBe('<pre>{<br/>  "a": 1,<br/>  "b": 2,<br/>  "c": 3<br/>}</pre>');
    expect(markdownTableCell(fencedCode(defaultValueText('\\.<>[]{}_-', false)))).toBe('`"\\\\.<>[]{}_-"`');
    expect(defaultValueText(null, false)).toBe('null');
    expect(defaultValueText(undefined, true)).toBe('');
  });

  test('anchoredName: terraform-docs\' anchor, the name and link escaped', () => {
    // GIVEN a variable name with underscores  WHEN anchored  THEN the anchor keeps them, the text and link escape them
    expect(anchoredName('input', 'log_retention_days')).toBe('<a name="input_log_retention_days"></a> [log\\_retention\\_days](#input\\_log\\_retention\\_days)');
  });
});

describe('inputsTable', () => {
  const rows = inputsTable().split('\n');

  test('inputsTable: terraform-docs\' header, then one row per setting in SETTINGS order', () => {
    // GIVEN the settings  WHEN the Inputs table is generated
    // THEN it has terraform-docs' header and delimiter row, and a row per variable in declaration order
    expect(rows.slice(0, 2)).toEqual(['| Name | Description | Type | Default | Required |', '| ---- | ----------- | ---- | ------- | :------: |']);
    expect(rows.slice(2).map((row) => /<a name="input_([^"]+)">/.exec(row)?.[1])).toEqual(KEYS.map((key) => SETTINGS[key].variable));
  });

  test.each(KEYS)('inputsTable: %s shows its description, type, default and whether it is required', (key) => {
    // GIVEN a setting  WHEN its row is read
    const setting: Setting = SETTINGS[key];
    const row = rows.find((line) => line.startsWith(`| <a name="input_${setting.variable}">`))!;
    const cells = row.slice(2, -2).split(' | ');
    // THEN the cells are terraform-docs' for its variable block
    expect(cells).toHaveLength(5);
    expect(cells[1]).toBe(markdownTableCell(setting.description));
    const type = hclTypeExpression(setting.type);
    expect(cells[2]).toBe(type.includes('\n') ? `<pre>${type.split('\n').join('<br/>')}</pre>` : `\`${type}\``);
    if (setting.required) expect(cells.slice(3)).toEqual(['n/a', 'yes']);
    else expect(cells.slice(3)).toEqual([`\`${JSON.stringify(setting.default ?? null)}\``, 'no']);
  });
});

describe('settingsTable', () => {
  test.each(KEYS)('settingsTable: %s maps its prop to its variable, with its default and every requirement', (key) => {
    // GIVEN a setting  WHEN the settings table is generated
    const setting: Setting = SETTINGS[key];
    const row = settingsTable()
      .split('\n')
      .find((line) => line.startsWith(`| \`${setting.prop}\` | \`${setting.variable}\` |`));
    // THEN its row names prop and variable, the default, each requirement and what it is required with
    expect(row).toBeDefined();
    const defaultText = setting.required ? 'required' : setting.default === null || setting.default === undefined ? 'none' : `\`${JSON.stringify(setting.default)}\``;
    expect(row).toContain(` | ${defaultText} | `);
    const unescaped = row!.replace(/&lt;/g, '<').replace(/&gt;/g, '>');
    for (const rule of setting.rules) expect(unescaped).toContain(`must be ${rule.requirement}`);
    for (const { when } of REQUIRED_WITH.filter((entry) => entry.setting === key)) expect(row).toContain(`required when \`${SETTINGS[when.setting].variable}\``);
  });

  test('help/deploy.md: its settings section is settingsTable(), and it links publishing.md', () => {
    // GIVEN the deploy page  WHEN its settings section is read
    const page = fs.readFileSync(path.join(ROOT, 'help/deploy.md'), 'utf8');
    const section = page.slice(page.indexOf('## Settings (construct props and module variables)'));
    // THEN the table between the markers is the generated one (regenerate the page if this fails)
    expect(between(page, SETTINGS_MARKERS.begin, SETTINGS_MARKERS.end)).toBe(settingsTable());
    // AND the section points to the module's publishing page
    expect(section.slice(0, section.indexOf(SETTINGS_MARKERS.begin))).toContain('(publishing.md)');
  });

  test('README.md: the documentation table links help/publishing.md', () => {
    // GIVEN the README  WHEN its documentation table is read  THEN a row links the publishing page
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/^\| \[help\/publishing\.md\]\(help\/publishing\.md\) \| .+ \|$/m);
    expect(fs.existsSync(path.join(ROOT, 'help/publishing.md'))).toBe(true);
  });
});

describe('renderModuleReadme', () => {
  const input: ModuleReadmeInput = {
    version: '1.4.2',
    architectureMermaid: 'flowchart LR\n  client --> api\n',
    resources: [
      { type: 'aws_sqs_queue', name: 'outbox_failures' },
      { type: 'aws_lambda_function', name: 'connect', count: true },
      { type: 'aws_sns_topic_subscription', name: 'bots', forEach: true },
      { type: 'aws_partition', name: 'current', mode: 'data' },
      { type: 'aws_apigatewayv2_api', name: 'websocket' },
      { type: 'aws_sqs_queue', name: 'outbox_failures' },
    ],
    outputs: [
      { name: 'websocket_url', description: 'WebSocket URL of the stage' },
      { name: 'bot_reply_invoke_policy_arn', description: "IAM policy to attach to a bot's role" },
    ],
    examples: [
      { name: 'complete', description: 'every input' },
      { name: 'existing-cognito', description: 'an existing user pool' },
    ],
  };
  const readme = renderModuleReadme(input);

  test('renderModuleReadme: says it is generated, before anything else', () => {
    // GIVEN a README  WHEN its first line is read  THEN it names npm run module and forbids hand edits
    expect(readme.split('\n')[0]).toMatch(/^<!-- Generated by `npm run module`.*do not edit by hand.* -->$/);
  });

  test('renderModuleReadme: the terraform-docs sections between its markers, in its order', () => {
    // GIVEN a README  WHEN the part between the markers is read
    const docs = between(readme, TF_DOCS_MARKERS.begin, TF_DOCS_MARKERS.end);
    // THEN it holds the six sections in terraform-docs' order, with the Inputs table generated from the settings
    expect([...docs.matchAll(/^## (.+)$/gm)].map((match) => match[1])).toEqual(['Requirements', 'Providers', 'Modules', 'Resources', 'Inputs', 'Outputs']);
    expect(docs).toContain(`## Inputs\n\n${inputsTable()}\n\n## Outputs`);
    expect(docs).toContain('## Modules\n\nNo modules.\n');
    expect(docs).toContain(`| <a name="requirement_terraform"></a> [terraform](#requirement\\_terraform) | >= 1.9.0 |`);
    expect(docs).toContain(`| <a name="requirement_aws"></a> [aws](#requirement\\_aws) | ${AWS_PROVIDER_VERSION_RANGE} |`);
    expect(docs).toContain(`| <a name="provider_aws"></a> [aws](#provider\\_aws) | ${AWS_PROVIDER_VERSION_RANGE} |`);
    expect(docs).toContain(
      '| ---- | ----------- |\n| <a name="output_websocket_url"></a> [websocket\\_url](#output\\_websocket\\_url) | WebSocket URL of the stage |\n' +
        '| <a name="output_bot_reply_invoke_policy_arn"></a> [bot\\_reply\\_invoke\\_policy\\_arn](#output\\_bot\\_reply\\_invoke\\_policy\\_arn) | IAM policy to attach to a bot\'s role |',
    );
  });

  test('renderModuleReadme: one Resources row per resource, managed by name then data sources, linked to the registry docs', () => {
    // GIVEN resources out of order, one twice, one data source  WHEN the Resources table is read
    const resources = between(readme, '## Resources\n\n', '\n\n## Inputs');
    // THEN rows are unique, sorted as terraform-docs sorts them, each linking the AWS provider's page
    expect(resources.split('\n')).toEqual([
      '| Name | Type |',
      '| ---- | ---- |',
      '| [aws_apigatewayv2_api.websocket](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/apigatewayv2_api) | resource |',
      '| [aws_lambda_function.connect](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/lambda_function) | resource |',
      '| [aws_sns_topic_subscription.bots](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sns_topic_subscription) | resource |',
      '| [aws_sqs_queue.outbox_failures](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/sqs_queue) | resource |',
      '| [aws_partition.current](https://registry.terraform.io/providers/hashicorp/aws/latest/docs/data-sources/partition) | data source |',
    ]);
  });

  test('renderModuleReadme: the diagram, the examples, the conditional resources and usage pinned to the version', () => {
    // GIVEN a README of version 1.4.2  WHEN its body is read
    // THEN the diagram is fenced as Mermaid, each example is linked, count/for_each resources are named
    expect(readme).toContain('```mermaid\nflowchart LR\n  client --> api\n```');
    expect(readme).toContain('- [complete](examples/complete): every input\n- [existing-cognito](examples/existing-cognito): an existing user pool');
    expect(readme).toContain('(`count`): `aws_lambda_function.connect`.');
    expect(readme).toContain('(`for_each`): `aws_sns_topic_subscription.bots`.');
    // AND the usage pins the registry version and the git tag
    expect(readme).toContain('  source  = "app.terraform.io/<org>/chat-server/aws"\n  version = "1.4.2"\n\n  name = "support-chat"\n');
    expect(readme).toContain('  source = "git::https://github.com/<org>/terraform-aws-chat-server.git?ref=v1.4.2"\n');
  });

  test('renderModuleReadme: its HCL snippets pass terraform fmt -check', () => {
    // GIVEN the README's hcl blocks, each in a file
    const dir = terraformDir('readme');
    const blocks = [...readme.matchAll(/```hcl\n([\s\S]*?)```/g)].map((match) => match[1]);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    blocks.forEach((block, index) => fs.writeFileSync(path.join(dir, `usage-${index}.tf`), block));
    // WHEN terraform fmt checks them  THEN nothing would change
    const result = terraform(dir, ['fmt', '-check', '-diff']);
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
  });

  test('renderModuleReadme: byte-identical for the same input', () => {
    // GIVEN one rendering  WHEN rendered again from an equal input  THEN the bytes are the same
    expect(renderModuleReadme(JSON.parse(JSON.stringify(input)) as ModuleReadmeInput)).toBe(readme);
  });
});
