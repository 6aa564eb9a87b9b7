/**
 * Checkov skips that live next to the resource they are about.
 *
 * `skipCheckovCheck(resource, id, reason)` writes `"//": {"checkov": {"skip": [{id, comment}]}}` into the
 * resource's synthesized JSON, so a reviewer reading cdk.tf.json sees every accepted finding and why.
 * Checkov's `terraform_json` runner (3.3.x) does not read inline suppressions from JSON, so after
 * synth `writeCheckovBaselines(outdir)` turns exactly those annotations into a checkov baseline file
 * next to each stack (`checkov-baseline.json`): a finding is accepted only on the resource that
 * carries the skip, and only for that check id.
 *
 *   checkov --framework terraform_json -f cdktf.out/stacks/<stack>/cdk.tf.json \
 *     --baseline cdktf.out/stacks/<stack>/checkov-baseline.json --output-baseline-as-skipped
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TerraformResource } from 'cdktf';

export interface CheckovSkip {
  readonly id: string;
  readonly comment: string;
}

const CHECK_ID_PATTERN = /^CKV2?_[A-Z]+_\d+$/;

/** Marks one checkov finding on this resource as accepted, with the reason. */
export function skipCheckovCheck(resource: TerraformResource, checkId: string, reason: string): void {
  if (!CHECK_ID_PATTERN.test(checkId)) throw new Error(`skipCheckovCheck: "${checkId}" is not a checkov check id`);
  if (reason.trim().length < 20) throw new Error(`skipCheckovCheck: ${checkId} needs a real reason`);
  const skips = registered.get(resource) ?? [];
  if (skips.some((skip) => skip.id === checkId)) return;
  skips.push({ id: checkId, comment: reason });
  registered.set(resource, skips);
  resource.addOverride('//.checkov.skip', skips.map((skip) => ({ ...skip })));
}

const registered = new WeakMap<TerraformResource, CheckovSkip[]>();

/** A checkov baseline (the format `checkov --create-baseline` writes). */
export interface CheckovBaseline {
  readonly failed_checks: ReadonlyArray<{
    readonly file: string;
    readonly findings: ReadonlyArray<{ readonly resource: string; readonly check_ids: readonly string[] }>;
  }>;
}

type Json = Record<string, unknown>;

/** The skips annotated in a synthesized stack, by resource address (`<type>.<name>`). */
export function checkovSkipsOf(stack: Json): Map<string, CheckovSkip[]> {
  const skips = new Map<string, CheckovSkip[]>();
  const resources = (stack.resource ?? {}) as Record<string, Record<string, Json>>;
  for (const type of Object.keys(resources).sort()) {
    for (const name of Object.keys(resources[type]).sort()) {
      const meta = resources[type][name]['//'] as { checkov?: { skip?: CheckovSkip[] } } | undefined;
      const list = meta?.checkov?.skip ?? [];
      for (const skip of list) {
        if (!skip.comment || !CHECK_ID_PATTERN.test(skip.id)) {
          throw new Error(`${type}.${name}: checkov skip ${JSON.stringify(skip)} needs a check id and a reason`);
        }
      }
      if (list.length > 0) skips.set(`${type}.${name}`, list);
    }
  }
  return skips;
}

/**
 * The baseline accepting exactly the annotated findings. Checkov's terraform_json runner names a
 * resource `<type>.<name>` in graph checks and `resource.<name>` in attribute checks, so both are listed
 * (cdktf logical names are unique within a stack, so `resource.<name>` cannot match another resource).
 */
export function checkovBaselineOf(stack: Json, file = '/cdk.tf.json'): CheckovBaseline {
  const findings: Array<{ resource: string; check_ids: string[] }> = [];
  for (const [address, skips] of checkovSkipsOf(stack)) {
    const checkIds = skips.map((skip) => skip.id).sort();
    const name = address.slice(address.indexOf('.') + 1);
    findings.push({ resource: address, check_ids: checkIds }, { resource: `resource.${name}`, check_ids: checkIds });
  }
  findings.sort((a, b) => a.resource.localeCompare(b.resource));
  return { failed_checks: findings.length > 0 ? [{ file, findings }] : [] };
}

export const CHECKOV_BASELINE_FILE = 'checkov-baseline.json';

/**
 * Writes `checkov-baseline.json` next to every synthesized stack of an app output directory
 * (call after `app.synth()`). Returns the files written.
 */
export function writeCheckovBaselines(outdir: string): string[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  const written: string[] = [];
  for (const name of Object.keys(manifest.stacks).sort()) {
    const stackFile = path.join(outdir, manifest.stacks[name].synthesizedStackPath);
    const stack = JSON.parse(fs.readFileSync(stackFile, 'utf8')) as Json;
    const target = path.join(path.dirname(stackFile), CHECKOV_BASELINE_FILE);
    fs.writeFileSync(target, `${JSON.stringify(checkovBaselineOf(stack, `/${path.basename(stackFile)}`), null, 2)}\n`);
    written.push(target);
  }
  return written;
}
