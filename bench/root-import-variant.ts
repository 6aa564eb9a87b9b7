/**
 * Baseline (b): the same app with the AWS provider imported from the package root, as most cdktf
 * code does (`import * as aws from '@cdktf/provider-aws'`). It copies the app's sources into a
 * temporary directory and rewrites every `@cdktf/provider-aws/lib/<resource>` import into an alias
 * of the root namespace; everything else stays byte-identical.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const ROOT_ALIAS = '__awsProviderRoot';
/** What the app needs to run: its entry, constructs, handler sources (bundled at synth) and configs. */
const APP_PATHS = ['main.ts', 'lib', 'handlers', 'tsconfig.json', 'cdktf.json', 'package.json'];

export interface RootImportVariant {
  dir: string;
  filesRewritten: number;
  importsRewritten: number;
}

/** Maps `lib/<dir>` to the namespace the package root exports it as (read from its index). */
function namespaceMap(repoRoot: string): Map<string, string> {
  const index = readFileSync(join(repoRoot, 'node_modules/@cdktf/provider-aws/lib/index.d.ts'), 'utf8');
  const map = new Map<string, string>();
  for (const match of index.matchAll(/export \* as (\w+) from '\.\/([\w-]+)';/g)) map.set(match[2], match[1]);
  return map;
}

export function rewriteToRootImports(source: string, namespaces: Map<string, string>): { text: string; count: number } {
  let count = 0;
  const named = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+['"]@cdktf\/provider-aws\/lib\/([\w-]+)(?:\/index)?['"];?/g;
  const star = /import\s+\*\s+as\s+(\w+)\s+from\s+['"]@cdktf\/provider-aws\/lib\/([\w-]+)(?:\/index)?['"];?/g;
  const namespaceOf = (dir: string): string => {
    const ns = namespaces.get(dir);
    if (!ns) throw new Error(`@cdktf/provider-aws has no root export for lib/${dir}`);
    return ns;
  };
  let text = source.replace(named, (_all, _typeOnly: string | undefined, names: string, dir: string) => {
    count++;
    const ns = namespaceOf(dir);
    return names
      .split(',')
      .map((part) => part.trim().replace(/^type\s+/, ''))
      .filter(Boolean)
      .map((part) => {
        const [imported, local] = part.split(/\s+as\s+/).map((s) => s.trim());
        return `import ${local ?? imported} = ${ROOT_ALIAS}.${ns}.${imported};`;
      })
      .join('\n');
  });
  text = text.replace(star, (_all, local: string, dir: string) => {
    count++;
    return `import ${local} = ${ROOT_ALIAS}.${namespaceOf(dir)};`;
  });
  if (count > 0) text = `import * as ${ROOT_ALIAS} from '@cdktf/provider-aws';\n${text}`;
  if (/@cdktf\/provider-aws\/lib\//.test(text)) {
    throw new Error('an @cdktf/provider-aws/lib/ import was left that the rewrite does not understand');
  }
  return { text, count };
}

function listTypeScript(dir: string): string[] {
  if (statSync(dir).isFile()) return dir.endsWith('.ts') ? [dir] : [];
  return readdirSync(dir).flatMap((entry) => listTypeScript(join(dir, entry)));
}

export function createRootImportVariant(repoRoot: string): RootImportVariant {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-root-import-'));
  for (const path of APP_PATHS) {
    if (existsSync(join(repoRoot, path))) cpSync(join(repoRoot, path), join(dir, path), { recursive: true });
  }
  symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const namespaces = namespaceMap(repoRoot);
  let filesRewritten = 0;
  let importsRewritten = 0;
  for (const file of APP_PATHS.filter((p) => existsSync(join(dir, p))).flatMap((p) => listTypeScript(join(dir, p)))) {
    const { text, count } = rewriteToRootImports(readFileSync(file, 'utf8'), namespaces);
    if (count > 0) {
      writeFileSync(file, text);
      filesRewritten++;
      importsRewritten += count;
    }
  }
  if (importsRewritten === 0) throw new Error(`no provider imports found to rewrite under ${relative(repoRoot, dir)}`);
  return { dir, filesRewritten, importsRewritten };
}
