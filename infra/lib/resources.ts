/**
 * The resources the enabled triggers share: the DynamoDB table, the custom-sender KMS key, the
 * failure queue of the asynchronous triggers, the sign-up reminder state machine, and the
 * operator policy for `triggers-admin`.
 */
import * as fs from 'node:fs';
import {
  CfnOutput,
  Duration,
  Names,
  RemovalPolicy,
  Stack,
  Validations,
  aws_dynamodb as dynamodb,
  aws_iam as iam,
  aws_kms as kms,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_sqs as sqs,
  aws_stepfunctions as sfn,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ResourceRefs, operatorStatements } from './permissions';

/** The placeholder the ASL file uses for the reminder function's ARN (a DefinitionSubstitution). */
export const REMINDER_FUNCTION_PLACEHOLDER = 'SignupReminderFunctionArn';

/** How long and how firmly the shared resources are kept. */
export interface Keeping {
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
}

/** The table of docs/architecture.md: `pk`/`sk` strings, TTL on `expiresAt`. */
export function createTable(scope: Construct, keeping: Keeping): dynamodb.Table {
  return new dynamodb.Table(scope, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    timeToLiveAttribute: 'expiresAt',
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: keeping.removalPolicy,
  });
}

/**
 * The key Cognito encrypts custom-sender codes with. `poolInStack`: for a pool in this stack the
 * exact ARN would make a cycle (pool -> key -> pool), so this account's pools in this Region may
 * use it; for an existing pool, exactly that pool.
 */
export function createSenderKey(scope: Construct, keeping: Keeping, userPoolArn: string, poolInStack: boolean): kms.Key {
  const stack = Stack.of(scope);
  const key = new kms.Key(scope, 'SenderKey', {
    description: 'Cognito encrypts custom-sender codes with this key; the sender functions decrypt them',
    enableKeyRotation: true,
    removalPolicy: keeping.removalPolicy,
  });
  const sourceArn = poolInStack ? stack.formatArn({ service: 'cognito-idp', resource: 'userpool', resourceName: '*' }) : userPoolArn;
  // The custom-sender guide's key policy: kms:CreateGrant for cognito-idp.amazonaws.com, on the
  // pool's account and ARN (confused-deputy conditions); kms:Encrypt for the codes themselves.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CognitoEncryptsCustomSenderCodes',
      principals: [new iam.ServicePrincipal('cognito-idp.amazonaws.com')],
      actions: ['kms:CreateGrant', 'kms:Encrypt'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': stack.account },
        ArnLike: { 'aws:SourceArn': sourceArn },
      },
    }),
  );
  new CfnOutput(scope, 'SenderKeyArn', {
    value: key.keyArn,
    description: 'LambdaConfig KMSKeyID: the key Cognito encrypts custom-sender codes with',
  });
  return key;
}

/** How long Lambda keeps retrying an asynchronous invocation (queued or failed) before it goes to the failure queue. */
export const ASYNC_MAX_EVENT_AGE = Duration.hours(1);
/** Lambda's retries of a failed asynchronous invocation (its maximum; custom_sender::deliver relies on them). */
export const ASYNC_RETRY_ATTEMPTS = 2;

/**
 * The on-failure destination of the asynchronous triggers (the custom senders): Lambda sends an
 * invocation here once its retries are spent or it is older than ASYNC_MAX_EVENT_AGE. A record
 * holds the event (the encrypted code, the user's attributes), so the queue is encrypted and
 * reachable over TLS only; it is the end of the line, so it has no dead-letter queue of its own.
 */
export function createFailureQueue(scope: Construct, keeping: Keeping): sqs.Queue {
  const queue = new sqs.Queue(scope, 'FailureQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    removalPolicy: keeping.removalPolicy,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is the dead-letter store itself: the on-failure destination of the custom senders, which Lambda fills after ' +
      'their retries; nothing consumes it automatically, so there is nothing to dead-letter from it',
  });
  new CfnOutput(scope, 'FailureQueueArn', {
    value: queue.queueArn,
    description: 'Invocations of the custom senders that failed every retry (docs/deploy.md)',
  });
  return queue;
}

/** The sign-up reminder state machine from its ASL file, invoking `fn` (the signup-reminder function's alias). */
export function createReminderStateMachine(scope: Construct, keeping: Keeping, file: string, fn: lambda.IFunction): sfn.StateMachine {
  if (!fs.existsSync(file)) {
    throw new Error(`CognitoTriggers: signup-reminder is enabled but its state machine definition ${file} does not exist`);
  }
  const text = fs.readFileSync(file, 'utf8');
  let parsed: { StartAt?: unknown; States?: unknown };
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new Error(`CognitoTriggers: ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed.StartAt !== 'string' || typeof parsed.States !== 'object') {
    throw new Error(`CognitoTriggers: ${file} is not an ASL definition (StartAt and States are required)`);
  }
  if (!text.includes('${' + REMINDER_FUNCTION_PLACEHOLDER + '}')) {
    throw new Error(
      `CognitoTriggers: ${file} must invoke the reminder function as \${${REMINDER_FUNCTION_PLACEHOLDER}} ` +
        '(the construct substitutes the deployed ARN)',
    );
  }
  const logGroup = new logs.LogGroup(scope, 'ReminderStateMachineLogs', {
    // The /aws/vendedlogs/ prefix keeps Step Functions from growing the account's CloudWatch
    // Logs resource policy.
    logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(scope, { maxLength: 200 })}-signup-reminder`,
    retention: keeping.logRetention,
    removalPolicy: keeping.removalPolicy,
  });
  const sm = new sfn.StateMachine(scope, 'ReminderStateMachine', {
    comment: 'Sign-up reminder: wait, remind, wait, expire an unconfirmed user',
    definitionBody: sfn.DefinitionBody.fromString(text),
    definitionSubstitutions: { [REMINDER_FUNCTION_PLACEHOLDER]: fn.functionArn },
    stateMachineType: sfn.StateMachineType.STANDARD,
    // Execution data carries e-mail addresses: log events, not payloads.
    logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    tracingEnabled: true,
  });
  sm.addToRolePolicy(new iam.PolicyStatement({ sid: 'InvokeSignupReminder', actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }));
  Validations.of(sm.role).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Added by CDK for state machine logging and tracing: the CloudWatch Logs delivery actions ' +
      '(logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, ' +
      'PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray (xray:PutTraceSegments, ' +
      'PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) support no resource-level permissions, so AWS requires "*"',
  });
  new CfnOutput(scope, 'ReminderStateMachineArn', { value: sm.stateMachineArn, description: 'Sign-up reminder state machine' });
  return sm;
}

/**
 * The customer-managed policy for `triggers-admin` (OPERATOR_ACCESS), attached to nothing, and
 * the settings the command needs: the table, and the pool's case rule (it finds the lockout record
 * of a name the pool does not hold as the functions do).
 */
export function createOperatorPolicy(scope: Construct, refs: ResourceRefs, userNamesCaseSensitive: boolean): iam.ManagedPolicy {
  const policy = new iam.ManagedPolicy(scope, 'OperatorPolicy', {
    description: 'triggers-admin: lockout records (show|unlock), reservations (release, backfill), user look-ups in the pool',
    statements: operatorStatements(scope, refs),
  });
  new CfnOutput(scope, 'OperatorPolicyArn', {
    value: policy.managedPolicyArn,
    description: 'Attach to the role that runs triggers-admin (docs/deploy.md)',
  });
  new CfnOutput(scope, 'TableName', { value: refs.table!.tableName, description: 'TABLE_NAME for triggers-admin' });
  new CfnOutput(scope, 'UserNamesCaseSensitive', {
    value: userNamesCaseSensitive ? 'true' : 'false',
    description: 'USER_NAMES_CASE_SENSITIVE for triggers-admin: the pool\'s case rule, as the functions have it',
  });
  return policy;
}
