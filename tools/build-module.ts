/** `npm run module`: builds the Terraform module into dist/terraform-aws-chat-server/ (lib/module/build.ts). */
import * as path from 'node:path';
import { buildModule, REPO_ROOT } from '../lib/module/build';

const directory = path.join(REPO_ROOT, 'dist', 'terraform-aws-chat-server');
buildModule(directory);
console.log(`module written to ${path.relative(process.cwd(), directory) || '.'}`);
