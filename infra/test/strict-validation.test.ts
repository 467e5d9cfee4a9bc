/**
 * Synthesis with CDK's built-in CloudFormation validation on, in strict mode (warnings are
 * errors): resource schemas, semantic checks and circular dependencies. The other tests skip it
 * (CDK_VALIDATION=false) for speed; this file runs it once per stack shape.
 *
 * A negative control shows that the cycle checks catch the design this construct avoids: a role
 * whose own policy names the pool that invokes its function.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { describe, it } from 'node:test';
import { App, Stack, aws_cognito as cognito, aws_iam as iam, aws_lambda as lambda } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DemoStack } from '../lib/demo-stack';
import { everyTriggerStack, existingPoolStack, hardenedPool } from './fixtures';
import { ASSETS, REMINDER_ASL, findCycle, synth, testApp } from './helpers';

const strict = { validate: true } as const;

describe('strict validation', () => {
  it('passes for the demo stack', () => {
    const app = testApp(strict);
    const stack = new DemoStack(app, 'Demo', { assetDirectory: ASSETS });
    const out = synth(app, stack, strict);
    assert.deepEqual(out.violations, []);
  });

  it('passes with every trigger on, for a new and for an existing pool (the latter with the real reminder definition)', () => {
    const app = testApp(strict);
    const every = everyTriggerStack(app, { assets: ASSETS, asl: REMINDER_ASL }).stack;
    // The existing-pool stack loads the real reminder definition (the construct's default path).
    const existing = existingPoolStack(app, { assets: ASSETS }).stack;
    assert.deepEqual(synth(app, every, strict).violations, []);
    assert.deepEqual(synth(app, existing, strict).violations, []);
  });

  it('would catch the cycle of a role that names its own pool (negative control)', () => {
    // CDK's validator fails the synth...
    const app = testApp(strict);
    cyclicStack(app);
    let report = '';
    // The expected failure prints its report to stderr; keep the test log to what matters.
    assert.throws(() => quietly(() => app.synth()), (e: Error) => {
      report = fs.readFileSync(/found in: (\S+)/.exec(e.message)![1], 'utf8');
      return true;
    });
    const cfnValidate = JSON.parse(report).pluginReports.find((r: any) => r.pluginName === 'CloudFormation Validate');
    assert.ok(cfnValidate, report);
    // F3004 "Circular Dependencies" is a warning; strict mode (cdk.json) makes it fail the synth.
    assert.ok(cfnValidate.violations.some((v: any) => v.ruleName === 'F3004' && /Circular/.test(v.description)), report);
    // Nothing else is wrong with that stack: the cycle alone fails it.
    const others = JSON.parse(report).pluginReports.flatMap((r: any) => r.violations).filter((v: any) => v.ruleName !== 'F3004');
    assert.deepEqual(others, []);
    // ...and so do the two checks the fast tests rely on.
    const fast = testApp();
    const stack = cyclicStack(fast);
    process.env.CDK_VALIDATION = 'false';
    const json = fast.synth().getStackByName(stack.stackName).template;
    assert.ok(findCycle(json), 'findCycle misses the cycle');
    assert.throws(() => Template.fromJSON(json), /[Cc]ycl/);
  });
});

/** The naive design: the role's own policy names the pool, the pool names the function, the function its role. */
function cyclicStack(app: App): Stack {
  const stack = new Stack(app, 'Cyclic');
  const pool = hardenedPool(stack);
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['cognito-idp:ListUsers'], resources: [pool.userPoolArn] }));
  const fn = new lambda.Function(stack, 'Fn', {
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: lambda.Architecture.ARM_64,
    handler: 'bootstrap',
    code: lambda.Code.fromAsset(`${ASSETS}/pre-signup`),
    role,
  });
  pool.addTrigger(cognito.UserPoolOperation.PRE_SIGN_UP, fn);
  return stack;
}

function quietly<T>(f: () => T): T {
  const saved = { error: console.error, warn: console.warn, log: console.log };
  console.error = console.warn = console.log = () => undefined;
  try {
    return f();
  } finally {
    Object.assign(console, saved);
  }
}
