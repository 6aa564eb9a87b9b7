/**
 * Speed rule: provider classes are imported one resource module at a time
 * (`@cdktf/provider-aws/lib/<resource>`); the package root loads every binding (~10x the time, ~8x the memory).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './support/synth';

const PROVIDERS = ['@cdktf/provider-aws', '@cdktf/provider-archive'];

/** Module specifiers of import/export/require statements in a TypeScript source. */
export function moduleSpecifiers(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) specifiers.push(match[1]);
  return specifiers;
}

/** A provider import that loads more than one resource module (the package root or its lib index). */
export function isRootProviderImport(specifier: string): boolean {
  return PROVIDERS.some((provider) => specifier === provider || specifier === `${provider}/lib` || specifier === `${provider}/lib/index`);
}

function sources(): string[] {
  const files = [path.join(REPO_ROOT, 'main.ts')];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(full);
    }
  };
  walk(path.join(REPO_ROOT, 'lib'));
  return files;
}

describe('provider imports', () => {
  test('lib/ and main.ts: every provider import names one resource module, none the package root', () => {
    // GIVEN every source of the construct library and the app
    const providerImports = sources().flatMap((file) =>
      moduleSpecifiers(fs.readFileSync(file, 'utf8'))
        .filter((specifier) => PROVIDERS.some((provider) => specifier.startsWith(provider)))
        .map((specifier) => ({ file: path.relative(REPO_ROOT, file), specifier })),
    );
    // THEN there are provider imports (the check is not vacuous) and none of them is a root import
    expect(providerImports.length).toBeGreaterThan(20);
    expect(providerImports.filter(({ specifier }) => isRootProviderImport(specifier))).toEqual([]);
    for (const { specifier } of providerImports) expect(specifier).toMatch(/^@cdktf\/provider-(aws|archive)\/lib\/[a-z0-9-]+$/);
  });

  test('checker: recognises root imports in every syntax', () => {
    const bad = [
      "import * as aws from '@cdktf/provider-aws';",
      "import { dynamodbTable } from \"@cdktf/provider-aws\";",
      "export { provider } from '@cdktf/provider-archive';",
      "const aws = require('@cdktf/provider-aws');",
      "const lib = await import('@cdktf/provider-aws/lib');",
    ];
    for (const source of bad) expect(moduleSpecifiers(source).some(isRootProviderImport)).toBe(true);
    expect(moduleSpecifiers("import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';").some(isRootProviderImport)).toBe(false);
  });
});
