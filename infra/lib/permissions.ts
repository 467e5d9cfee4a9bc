/**
 * IAM statements from the trigger table's `Access` entries: one statement per entry that applies
 * to the trigger's settings, on exactly one resource ARN (never `*`, but for `phoneNumbers`, which
 * must say why), table statements limited to their rows with `dynamodb:LeadingKeys`, `Deny`
 * entries as Deny statements. Also the operator policy's statements.
 */
import { Stack, aws_dynamodb as dynamodb, aws_secretsmanager as secretsmanager, aws_events as events, aws_iam as iam, aws_kms as kms, aws_sqs as sqs, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { secretPolicyArn } from './providers';
import { Access, AccessCondition, OPERATOR_ACCESS, ResourceKind, TriggerName } from './triggers';

/** The resources the statements name, as far as they exist. */
export interface ResourceRefs {
  readonly userPoolArn: string;
  readonly table?: dynamodb.ITable;
  readonly reminderStateMachine?: sfn.StateMachine;
  readonly senderKey?: kms.Key;
  /** emailSender.identity. */
  readonly emailIdentity?: string;
  /** The asynchronous triggers' on-failure destination. */
  readonly failureQueue?: sqs.IQueue;
  /** The domain-events bus (`eventBus`), when set. */
  readonly eventBus?: events.IEventBus;
  /** Each custom sender's provider secret (`emailProvider` / `smsProvider`), when its provider has one. */
  readonly providerSecrets?: Partial<Record<TriggerName, secretsmanager.ISecret>>;
}

type Ctx = Parameters<AccessCondition>[1];

export interface Grant {
  readonly access: Access;
  readonly statement: iam.PolicyStatement;
}

/** The statements a trigger with these settings gets, in table order. */
export function grantsFor(
  scope: Construct,
  binary: TriggerName,
  accessList: readonly Access[],
  env: Readonly<Record<string, string>>,
  ctx: Ctx,
  refs: ResourceRefs,
): Grant[] {
  return accessList
    .filter((access) => !access.when || access.when(env, ctx))
    .map((access) => ({ access, statement: statementFor(scope, access, actionsOf(access, env, ctx), refs, binary, env) }));
}

/** The operator policy's statements (OPERATOR_ACCESS): every action, the bus's only while there is one. */
export function operatorStatements(scope: Construct, refs: ResourceRefs): iam.PolicyStatement[] {
  const ctx = { reminderEnabled: false, eventsEnabled: refs.eventBus !== undefined };
  return OPERATOR_ACCESS.filter((access) => !access.when || access.when({}, ctx)).map((access) =>
    statementFor(scope, access, [...access.actions], refs, 'pre-authentication'),
  );
}

/** The value of the setting that hands a resource to the binary (its `Access.env`): the table by name, the others by ARN. */
export function resourceValue(kind: ResourceKind, refs: ResourceRefs): string {
  if (kind === 'table') return refs.table!.tableName;
  if (kind === 'reminderStateMachine' || kind === 'senderKey' || kind === 'eventBus') return resourceArn(undefined, kind, refs);
  throw new Error(`CognitoTriggers: no setting carries a ${kind}`);
}

function statementFor(
  scope: Construct,
  access: Access,
  actions: string[],
  refs: ResourceRefs,
  binary: TriggerName,
  env: Readonly<Record<string, string>> = {},
): iam.PolicyStatement {
  if (access.resource === 'table' && !access.rows) throw new Error(`CognitoTriggers: a table grant of ${binary} names no rows`);
  if ((access.resource === 'phoneNumbers') !== (access.wildcard !== undefined)) {
    throw new Error(`CognitoTriggers: a ${access.resource} grant of ${binary}: only phoneNumbers resolves to "*", and it must say why (wildcard)`);
  }
  return new iam.PolicyStatement({
    sid: statementId(access),
    effect: access.effect === 'Deny' ? iam.Effect.DENY : iam.Effect.ALLOW,
    actions,
    resources: [resourceArn(scope, access.resource, refs, binary, env)],
    // Single-item calls carry exactly one partition key; every one must match a pattern.
    conditions: access.rows
      ? { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...access.rows.keys] } }
      : access.viaService
        ? { StringEquals: { 'kms:ViaService': `${access.viaService}.${Stack.of(scope).region}.amazonaws.com` } }
        : undefined,
  });
}

/** An entry's actions plus those of its conditional parts that apply. */
function actionsOf(access: Access, env: Readonly<Record<string, string>>, ctx: Ctx): string[] {
  return [...access.actions, ...(access.conditional ?? []).filter((c) => c.when(env, ctx)).flatMap((c) => c.actions)];
}

/** The Sid names the resource (UserPool, EmailIdentity, ...), on the table the rows (TableReservations), and a Deny (DenySnsTopics). */
export function statementId(access: Access): string {
  const id = access.resource.charAt(0).toUpperCase() + access.resource.slice(1) + (access.rows?.name ?? '');
  return access.effect === 'Deny' ? `Deny${id}` : id;
}

/** The one ARN a statement on `kind` names (the SES identity's and the settings' resources need the stack, `scope`). */
function resourceArn(
  scope: Construct | undefined,
  kind: ResourceKind,
  refs: ResourceRefs,
  binary?: TriggerName,
  env: Readonly<Record<string, string>> = {},
): string {
  switch (kind) {
    case 'userPool':
      return refs.userPoolArn;
    case 'table':
      return refs.table!.tableArn;
    case 'reminderStateMachine':
      return refs.reminderStateMachine!.stateMachineArn;
    case 'senderKey':
      return refs.senderKey!.keyArn;
    case 'eventBus':
      return refs.eventBus!.eventBusArn;
    case 'emailIdentity': {
      if (!refs.emailIdentity) throw new Error(`CognitoTriggers: ${binary} sends e-mail: set emailSender.identity (the verified SES identity)`);
      return Stack.of(scope!).formatArn({ service: 'ses', resource: 'identity', resourceName: refs.emailIdentity });
    }
    case 'oldUserPool': {
      // The pool id names its Region (`eu-west-1_AbC123`); the account is this stack's.
      const id = env.OLD_USER_POOL_ID;
      if (!id) throw new Error(`CognitoTriggers: ${binary} grants on the old user pool need OLD_USER_POOL_ID`);
      const region = id.split('_')[0];
      return Stack.of(scope!).formatArn({ service: 'cognito-idp', region, resource: 'userpool', resourceName: id });
    }
    case 'legacyUsersTable': {
      const name = env.LEGACY_USERS_TABLE;
      if (!name) throw new Error(`CognitoTriggers: ${binary} grants on the legacy table need LEGACY_USERS_TABLE`);
      return Stack.of(scope!).formatArn({ service: 'dynamodb', resource: 'table', resourceName: name });
    }
    case 'legacyUsersEmailIndex': {
      // A Query on an index is authorized on the index's ARN, not the table's.
      const name = env.LEGACY_USERS_TABLE;
      const index = env.LEGACY_USERS_EMAIL_INDEX;
      if (!name || !index) throw new Error(`CognitoTriggers: ${binary} grants on the legacy e-mail index need LEGACY_USERS_TABLE and LEGACY_USERS_EMAIL_INDEX`);
      return Stack.of(scope!).formatArn({ service: 'dynamodb', resource: 'table', resourceName: `${name}/index/${index}` });
    }
    case 'sesConfigurationSet': {
      const name = env.EMAIL_CONFIGURATION_SET;
      if (!name) throw new Error(`CognitoTriggers: ${binary} grants on the configuration set need EMAIL_CONFIGURATION_SET`);
      return Stack.of(scope!).formatArn({ service: 'ses', resource: 'configuration-set', resourceName: name });
    }
    case 'failureQueue':
      return refs.failureQueue!.queueArn;
    case 'snsTopics':
      // Every Region, account and name; `*` also spans the `/` of platform endpoints (app/..., endpoint/...).
      return Stack.of(scope!).formatArn({ service: 'sns', region: '*', account: '*', resource: '*' });
    case 'phoneNumbers':
      return '*';
    case 'providerSecret':
    case 'providerSecretKey': {
      const secret = binary && refs.providerSecrets?.[binary];
      if (!secret) throw new Error(`CognitoTriggers: ${binary} reads a provider secret, but its provider names none`);
      if (kind === 'providerSecret') return secretPolicyArn(secret);
      if (!secret.encryptionKey) throw new Error(`CognitoTriggers: ${binary}'s provider secret has no customer-managed key`);
      return secret.encryptionKey.keyArn;
    }
  }
}
