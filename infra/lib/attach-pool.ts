/**
 * An existing pool's LambdaConfig set by the stack (`pool: { existingUserPoolId, attach: true }`):
 * a custom resource (`custom-resources/attach-triggers/index.py`) that reads the pool's whole
 * configuration and writes it back with the stack's slots, because Cognito's UpdateUserPool resets
 * every setting it is not given. Its role may describe and update that pool only (and pass the
 * pool's own SMS role again, `smsRoleArn`, which UpdateUserPool re-submits).
 */
import * as path from 'node:path';
import { CustomResource, Duration, aws_iam as iam, aws_lambda as lambda, aws_logs as logs } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Keeping } from './resources';

/** Its boto3 must know every field of the pool's description (else it refuses to write, naming it): the latest. */
export const ATTACH_RUNTIME = lambda.Runtime.PYTHON_3_15;

/** Where the handler's code is (a directory with index.py; its test is left out of the asset). */
export const ATTACH_HANDLER_DIR = path.join(__dirname, '..', 'custom-resources', 'attach-triggers');

export interface AttachArgs {
  readonly userPoolId: string;
  readonly userPoolArn: string;
  /** The slots, as LambdaConfig takes them (an ARN, or `{ LambdaArn, LambdaVersion }`), and KMSKeyID. */
  readonly lambdaConfig: Record<string, unknown>;
  readonly smsRoleArn?: string;
  readonly keeping: Keeping;
  /** What must exist before the pool names it (the aliases and their invoke permissions). */
  readonly after: readonly Construct[];
}

export function attachToExistingPool(scope: Construct, args: AttachArgs): CustomResource {
  const logGroup = new logs.LogGroup(scope, 'AttachToPoolLogs', { retention: args.keeping.logRetention, removalPolicy: args.keeping.removalPolicy });
  const statements = [
    new iam.PolicyStatement({ sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    new iam.PolicyStatement({
      sid: 'UserPool',
      actions: ['cognito-idp:DescribeUserPool', 'cognito-idp:UpdateUserPool'],
      resources: [args.userPoolArn],
    }),
  ];
  if (args.smsRoleArn) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'PassPoolSmsRole',
        actions: ['iam:PassRole'],
        resources: [args.smsRoleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'cognito-idp.amazonaws.com' } },
      }),
    );
  }
  const role = new iam.Role(scope, 'AttachToPoolRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Sets the existing pool\'s LambdaConfig: DescribeUserPool, then UpdateUserPool with everything else as read',
    inlinePolicies: { AttachToPool: new iam.PolicyDocument({ statements }) },
  });
  const fn = new lambda.Function(scope, 'AttachToPoolFunction', {
    description: 'CloudFormation custom resource: attaches the triggers to an existing user pool, keeping its other settings',
    runtime: ATTACH_RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(ATTACH_HANDLER_DIR, { exclude: ['*', '!index.py'] }),
    role,
    timeout: Duration.minutes(1),
    logGroup,
  });
  const resource = new CustomResource(scope, 'AttachToPool', {
    serviceToken: fn.functionArn,
    resourceType: 'Custom::CognitoTriggersAttachment',
    properties: { UserPoolId: args.userPoolId, LambdaConfig: args.lambdaConfig },
  });
  for (const c of args.after) resource.node.addDependency(c);
  return resource;
}
