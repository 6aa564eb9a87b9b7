/**
 * Security scan: checkov (terraform_json) finds no failed check on the synthesized stacks. The only
 * accepted findings are the ones annotated next to their resource (`"//": {"checkov": {"skip": ...}}`,
 * each with its reason), applied through the baseline file derived from them; every annotation is
 * needed, and dropping one makes the scan fail.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CHECKOV_BASELINE_FILE, checkovBaselineOf, checkovSkipsOf } from '../../lib/checkov';
import { functionSuffix, KEEPALIVE, ROUTES } from '../../lib/schema';
import { baseProps, fullSynth, type FullSynth, type Json } from './support/synth';

jest.setTimeout(120_000);

/** CI installs checkov into /opt/ci-venv (pinned in .ci/requirements.txt); CHECKOV_BINARY overrides. */
function checkovBinary(): string {
  const candidates = [process.env.CHECKOV_BINARY, '/opt/ci-venv/bin/checkov'].filter((c): c is string => !!c);
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (found) return found;
  try {
    execFileSync('checkov', ['--version'], { stdio: 'ignore' });
    return 'checkov';
  } catch {
    throw new Error('checkov not found: pip install -r .ci/requirements.txt into /opt/ci-venv, or set CHECKOV_BINARY');
  }
}

interface Scan {
  readonly exitCode: number;
  readonly failed: Array<{ check_id: string; resource: string }>;
  readonly skipped: Array<{ check_id: string; resource: string }>;
}

function scan(stackDir: string, baseline = path.join(stackDir, CHECKOV_BASELINE_FILE)): Scan {
  // Not --quiet: the JSON report then lists the skipped findings too.
  const args = [
    '--skip-download',
    '--framework',
    'terraform_json',
    '-f',
    path.join(stackDir, 'cdk.tf.json'),
    '--baseline',
    baseline,
    '--output-baseline-as-skipped',
    '-o',
    'json',
  ];
  let stdout: string;
  let exitCode = 0;
  try {
    stdout = execFileSync(checkovBinary(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const failure = error as { status: number; stdout: string };
    exitCode = failure.status;
    stdout = failure.stdout;
  }
  const parsed = JSON.parse(stdout) as Json | Json[];
  const report = (Array.isArray(parsed) ? parsed[0] : parsed) as Json;
  const results = report.results ?? { failed_checks: [], skipped_checks: [] };
  const pick = (r: Json): { check_id: string; resource: string } => ({ check_id: r.check_id, resource: r.resource });
  return { exitCode, failed: results.failed_checks.map(pick), skipped: results.skipped_checks.map(pick) };
}

/** The skips annotated in a stack as `<check id> <logical name>` pairs. */
function annotated(json: Json): string[] {
  return [...checkovSkipsOf(json)].flatMap(([address, skips]) =>
    skips.map((skip) => `${skip.id} ${address.slice(address.indexOf('.') + 1)}`),
  );
}

function reported(findings: Scan['skipped']): string[] {
  return findings.map((finding) => `${finding.check_id} ${finding.resource.slice(finding.resource.indexOf('.') + 1)}`);
}

const stacks: Record<string, () => FullSynth> = {
  'default app (Cognito pool created)': () => fullSynth(baseProps({ auth: { createCognitoUserPool: true } })),
  'full-featured (KMS key, custom domain, subscribed bot)': () =>
    fullSynth(
      {
        ...baseProps({
          kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555',
          domain: {
            domainName: 'chat.example.com',
            certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
            hostedZoneId: 'Z0123456789ABC',
          },
        }),
        region: 'eu-west-1',
      },
      {
        extra: (stack) =>
          stack.chatServer.subscribeBot(
            { arn: 'arn:aws:lambda:eu-west-1:123456789012:function:faq-bot', functionName: 'faq-bot' },
            { name: 'faq' },
          ),
      },
    ),
  "auth { mode: 'none' }": () => fullSynth(baseProps({ auth: { mode: 'none' } })),
};

describe('checkov', () => {
  test.each(Object.keys(stacks))('%s: no failed check; every annotated skip is used, has a reason, and nothing else is skipped', (label) => {
    // GIVEN the synthesized stack and its baseline (written from the annotations)
    const { stackDir, json } = stacks[label]();
    // WHEN checkov scans it
    const result = scan(stackDir);
    // THEN nothing fails, and the skipped findings are exactly the annotated ones
    expect(result.failed).toEqual([]);
    expect(result.exitCode).toBe(0);
    expect(reported(result.skipped).sort()).toEqual(annotated(json).sort());
    for (const skips of checkovSkipsOf(json).values()) {
      for (const skip of skips) expect(skip.comment.length).toBeGreaterThan(40);
    }
  });

  test('skips: the CMK skips disappear when a KMS key is configured; route auth is skipped on non-$connect routes only', () => {
    const plain = annotated(stacks['default app (Cognito pool created)']().json);
    const encrypted = annotated(stacks['full-featured (KMS key, custom domain, subscribed bot)']().json);
    for (const cmkCheck of ['CKV_AWS_119', 'CKV_AWS_158', 'CKV_AWS_173']) {
      expect(plain.some((skip) => skip.startsWith(`${cmkCheck} `))).toBe(true);
      expect(encrypted.some((skip) => skip.startsWith(`${cmkCheck} `))).toBe(false);
    }
    const routeSkips = plain.filter((skip) => skip.startsWith('CKV_AWS_309 '));
    // The function routes but $connect, and the keepalive.
    expect(routeSkips).toHaveLength(Object.keys(ROUTES).filter((routeKey) => routeKey !== '$connect').length + 1);
    expect(routeSkips.some((skip) => skip.includes(`route-${KEEPALIVE.routeKey}`))).toBe(true);
    expect(routeSkips.some((skip) => skip.includes('route-connect'))).toBe(false);
  });

  test('CKV_AWS_116/115: bot-reply (bots may invoke it asynchronously) has a dead-letter queue, not a skip; each other skip names its real invoker and concurrency bound', () => {
    // GIVEN the functions of the default stack and their annotated skips
    const { json } = stacks['default app (Cognito pool created)']();
    const skipsOf = (functionName: string): Record<string, string> => {
      const fn = Object.values(json.resource.aws_lambda_function as Record<string, Json>).find((f) => f.function_name === functionName)!;
      return Object.fromEntries((fn['//'].checkov.skip as Array<{ id: string; comment: string }>).map((skip) => [skip.id, skip.comment]));
    };
    // THEN bot-reply carries no DLQ skip, and its concurrency reason does not claim the stage throttling bounds it
    const botReply = skipsOf('chat-bot-reply');
    expect(botReply.CKV_AWS_116).toBeUndefined();
    expect(botReply.CKV_AWS_115).toMatch(/^Bots holding the chat-bot-reply-invoke policy invoke it directly, so the stage throttling does not bound it/);
    // AND the outbox is invoked by its stream mapping only, bounded by the shard count
    const outbox = skipsOf('chat-outbox');
    expect(outbox.CKV_AWS_116).toMatch(/^Only its DynamoDB stream event source mapping .*chat-outbox-failures.* invokes it, synchronously/);
    expect(outbox.CKV_AWS_115).toMatch(/one batch per messages-table shard/);
    // AND every API Gateway function names its route(s) and the stage throttling
    for (const [routeKey, handlerId] of Object.entries(ROUTES)) {
      const skips = skipsOf(`chat-${functionSuffix(handlerId)}`);
      expect(skips.CKV_AWS_116).toMatch(/^Only API Gateway \(route [^)]*, by its source_arn\) invokes it, synchronously/);
      expect(skips.CKV_AWS_116).toContain(routeKey);
      expect(skips.CKV_AWS_115).toMatch(/^API Gateway is its only invoker, so the stage throttling \(throttling prop\) bounds its concurrency/);
    }
    expect(skipsOf('chat-authorizer').CKV_AWS_116).toMatch(/^Only API Gateway \(the \$connect authorizer/);
  });

  test('baseline: dropping one annotated skip makes the scan fail on exactly that finding', () => {
    // GIVEN the default stack with one skip (CKV_AWS_309 on the message.send route) removed from its baseline
    const { stackDir, json } = stacks['default app (Cognito pool created)']();
    const route = Object.keys(json.resource.aws_apigatewayv2_route).find((name) => name.includes('route-message-send'))!;
    const withoutOne = JSON.parse(JSON.stringify(json)) as Json;
    withoutOne.resource.aws_apigatewayv2_route[route]['//'].checkov.skip = [];
    const baseline = path.join(stackDir, 'partial-baseline.json');
    fs.writeFileSync(baseline, JSON.stringify(checkovBaselineOf(withoutOne)));
    // WHEN scanned THEN checkov fails on that route and check only
    const result = scan(stackDir, baseline);
    expect(result.exitCode).not.toBe(0);
    expect(result.failed).toEqual([{ check_id: 'CKV_AWS_309', resource: `resource.${route}` }]);
  });
});
