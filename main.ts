/**
 * The default app: one ChatInfraStack configured from environment variables (help/deploy.md lists
 * them). `npx cdktf synth` runs this through tools/run-app.cjs (esbuild-transpiled, plain node):
 * offline, no AWS credentials, no terraform binary.
 */
import { App } from 'cdktf';
import { appConfigFromEnv } from './lib/env-config';
import { createChatInfraStack } from './lib/chat-infra-stack';
import { writeCheckovBaselines } from './lib/checkov';

const { stackId, props } = appConfigFromEnv(process.env);
const app = new App();
createChatInfraStack(app, stackId, props);
app.synth();
// Accepted checkov findings, annotated next to their resources, as a baseline file per stack.
writeCheckovBaselines(app.outdir);
