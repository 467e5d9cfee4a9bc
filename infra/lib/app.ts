/**
 * Builds the CDK app from context, so `bin/app.ts` (the CLI entry) and the tests build the same
 * thing. Context keys (all optional; `cdk synth -c key=value`):
 *   stackName      default CognitoTriggersDemo
 *   triggers       comma-separated binaries to deploy; default: every trigger binary of the workspace
 *                  (triggers/<name>/, see lib/workspace.ts); `make synth` passes INFRA_TRIGGERS here
 *   userPoolId     attach to this existing pool instead of creating one (the stack deploys to its Region)
 *   featurePlan    the existing pool's plan: LITE, ESSENTIALS or PLUS
 *   signInCaseSensitive  true or false: whether user names are case-sensitive. New pool: default
 *                  false; true keeps a demo pool deployed before that default as it is. Existing pool:
 *                  its rule (default true), which the functions must share
 *   lambdaAssets   directory with <binary>/bootstrap.zip (default <repo>/target/lambda)
 *   removal        retain (default) or destroy, for the pool, table, key and log groups
 *   emailIdentity  verified SES identity (domain or address) for the e-mail sending triggers
 *                  (default with signup-reminder on: the stand-in example.com, with a warning)
 *   reminderEmailFrom  REMINDER_EMAIL_FROM for signup-reminder (default no-reply@<emailIdentity>)
 *   tokenVersion   V1_0 (default), V2_0 or V3_0 (machine-to-machine tokens too) for pre token generation
 *   logLevel       error, warn, info (default), debug; trace only with removal=destroy
 *   attach         true: with userPoolId, the stack sets the pool's LambdaConfig (a custom resource; docs/deploy.md)
 *   monitoring     true (default) or false: alarms, alarm topic and dashboard
 *   tracing        true or false (default): X-Ray active tracing
 *   deployment     a CodeDeploy style for every function (canary-10-percent-5-minutes, ...); default none
 */
import { App, AppProps, RemovalPolicy, Validations, aws_cognito as cognito } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEMO_SETTINGS, DemoStack } from './demo-stack';
import { DeploymentStyle, LogLevel } from './cognito-triggers';
import { DEPLOYMENT_CONFIGS } from './deployment';
import { PRE_TOKEN_GENERATION_VERSIONS, PreTokenGenerationVersion } from './props';
import { TriggerName } from './triggers';
import { knownTriggers } from './workspace';

/** An App with the cdk-nag AwsSolutions checks registered (every synth of this project runs them). */
export function newApp(appProps: AppProps = {}): App {
  const app = new App(appProps);
  // Acknowledgements are copied into each resource's Metadata (cdk_nag.rules_to_suppress) so that
  // the template itself shows what was acknowledged and why.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }));
  return app;
}

export function buildApp(appProps: AppProps = {}): { app: App; stack: DemoStack } {
  const app = newApp(appProps);
  const ctx = (key: string): string | undefined => {
    const v = app.node.tryGetContext(key);
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };

  let triggers: TriggerName[] | undefined;
  const list = ctx('triggers');
  if (list !== undefined) {
    triggers = knownTriggers(list.split(',').map((s) => s.trim()).filter(Boolean), '-c triggers');
  }
  const removal = ctx('removal') ?? 'retain';
  if (removal !== 'retain' && removal !== 'destroy') throw new Error('-c removal must be retain or destroy');
  const plan = ctx('featurePlan');
  if (plan !== undefined && !['LITE', 'ESSENTIALS', 'PLUS'].includes(plan)) throw new Error('-c featurePlan must be LITE, ESSENTIALS or PLUS');
  const tokenVersion = ctx('tokenVersion');
  if (tokenVersion !== undefined && !(PRE_TOKEN_GENERATION_VERSIONS as readonly string[]).includes(tokenVersion)) {
    throw new Error('-c tokenVersion must be V1_0, V2_0 or V3_0');
  }

  const caseSensitive = ctx('signInCaseSensitive');
  if (caseSensitive !== undefined && caseSensitive !== 'true' && caseSensitive !== 'false') throw new Error('-c signInCaseSensitive must be true or false');

  const logLevel = ctx('logLevel');
  if (logLevel !== undefined && !['error', 'warn', 'info', 'debug', 'trace'].includes(logLevel)) {
    throw new Error('-c logLevel must be error, warn, info, debug or trace');
  }

  const flag = (key: string): boolean | undefined => {
    const v = ctx(key);
    if (v !== undefined && v !== 'true' && v !== 'false') throw new Error(`-c ${key} must be true or false`);
    return v === undefined ? undefined : v === 'true';
  };
  const deployment = ctx('deployment');
  if (deployment !== undefined && !(deployment in DEPLOYMENT_CONFIGS)) {
    throw new Error(`-c deployment must be one of ${Object.keys(DEPLOYMENT_CONFIGS).join(', ')}`);
  }

  const reminderEmailFrom = ctx('reminderEmailFrom');
  const userPoolId = ctx('userPoolId');
  const stack = new DemoStack(app, ctx('stackName') ?? 'CognitoTriggersDemo', {
    // An existing pool's id names its Region ("eu-west-1_AbC123"); the stack must deploy there.
    env: userPoolId?.includes('_') ? { region: userPoolId.slice(0, userPoolId.indexOf('_')) } : undefined,
    description: 'cognito-triggers: Cognito user pool Lambda triggers in Rust (infra/)',
    triggers,
    existingUserPoolId: userPoolId,
    existingFeaturePlan: plan as cognito.FeaturePlan | undefined,
    signInCaseSensitive: caseSensitive === undefined ? undefined : caseSensitive === 'true',
    assetDirectory: ctx('lambdaAssets'),
    removalPolicy: removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    emailSenderIdentity: ctx('emailIdentity'),
    settings: reminderEmailFrom ? { ...DEMO_SETTINGS, 'signup-reminder': { REMINDER_EMAIL_FROM: reminderEmailFrom } } : undefined,
    preTokenGenerationVersion: tokenVersion as PreTokenGenerationVersion | undefined,
    logLevel: logLevel as LogLevel | undefined,
    attachToExistingPool: flag('attach'),
    monitoring: flag('monitoring'),
    tracing: flag('tracing'),
    deployment: deployment as DeploymentStyle | undefined,
  });
  return { app, stack };
}
