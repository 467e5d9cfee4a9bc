/**
 * Writes the templates cfn-lint checks (make infra-test): the demo stack, every trigger on
 * against a new pool, every trigger on against an existing pool, and a demo stack with V3 pre
 * token generation, DEVELOPER e-mail and the passwordless triggers. Dummy code assets; the new-pool
 * stack uses a stand-in reminder definition, the existing-pool stack the real one
 * (triggers/signup-reminder/state-machine.asl.json): nothing is built, nothing is fetched.
 *
 * Usage: node --import tsx scripts/synth-lint-fixtures.ts OUTDIR
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DemoStack } from '../lib/demo-stack';
import { everyTriggerStack, existingPoolStack, productionStack } from '../test/fixtures';
import { ASSETS, REMINDER_ASL, synth, testApp } from '../test/helpers';

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: synth-lint-fixtures.ts OUTDIR');
fs.rmSync(outdir, { recursive: true, force: true });
fs.mkdirSync(outdir, { recursive: true });

const app = testApp();
const stacks = [
  new DemoStack(app, 'Demo', { assetDirectory: ASSETS }),
  everyTriggerStack(app, { assets: ASSETS, asl: REMINDER_ASL }).stack,
  // The real triggers/signup-reminder/state-machine.asl.json, through the construct's default path.
  existingPoolStack(app, { assets: ASSETS }).stack,
  // The same, with the custom resource that sets the existing pool's LambdaConfig.
  existingPoolStack(app, { assets: ASSETS, attach: true, id: 'Attached' }).stack,
  // docs/deploy.md's production-shaped example: SMTP in a VPC, Twilio, tracing, canary deployments, alarms.
  productionStack(app, { assets: ASSETS }).stack,
  // V3 machine-token settings, DEVELOPER e-mail from an SES identity, a client with CUSTOM_AUTH.
  new DemoStack(app, 'DemoV3', {
    assetDirectory: ASSETS,
    triggers: ['pre-token-generation', 'custom-message', 'define-auth-challenge', 'create-auth-challenge', 'verify-auth-challenge-response'],
    preTokenGenerationVersion: 'V3_0',
    emailSenderIdentity: 'example.com',
    settings: { 'pre-token-generation': { CLIENT_CREDENTIALS_CLAIMS: { m2mclient0123456789: { tenant: 'acme' } }, CLIENT_CREDENTIALS_SCOPES: 'm2mclient0123456789:orders/read' } },
  }),
];
for (const stack of stacks) {
  const out = synth(app, stack);
  if (out.violations.length > 0) throw new Error(`cdk-nag findings in ${stack.stackName}:\n${out.violations.join('\n')}`);
  const file = path.join(outdir, `${stack.stackName}.template.json`);
  fs.writeFileSync(file, JSON.stringify(out.json, null, 1));
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
