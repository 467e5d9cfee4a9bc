/**
 * The shapes of the statements the permission tests list (each test names its values): a role's
 * own log group, a table statement limited to its rows, a pool statement.
 */

export const logs = (id: string) => ({
  Sid: 'WriteOwnLogs',
  Effect: 'Allow',
  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
  Resource: `Triggers/${id}Logs.Arn`,
});

export const SES_IDENTITY = 'arn:Ref(AWS::Partition):ses:Ref(AWS::Region):Ref(AWS::AccountId):identity/example.com';

/** The custom senders' common statements: the sender key, their delivery records, the failure queue. */
export const senderKey = { Sid: 'SenderKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: 'Triggers/SenderKey.Arn' };
export const deliveries = (binary: string) => table('Deliveries', 'dynamodb:UpdateItem', [`IDEMPOTENCY#${binary}#*`]);
export const failureQueue = { Sid: 'FailureQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'Triggers/FailureQueue.Arn' };
/** custom-sms-sender's pumping guard: texts per number and window, under the number's hash. */
export const SMS_LIMITS = ['SMSLIMIT#*'];

/** custom-sms-sender: SMS to phone numbers only (SNS authorizes them on no resource), never to a topic or endpoint. */
export const SMS_TO_PHONES = [
  { Sid: 'PhoneNumbers', Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
  { Sid: 'DenySnsTopics', Effect: 'Deny', Action: 'sns:Publish', Resource: 'arn:Ref(AWS::Partition):sns:*:*:*' },
];

/** `pk` patterns of the shared rows. */
export const RESERVATIONS = ['EMAIL#*', 'PHONE#*'];
export const USER_ROWS = ['USER#*'];
export const LOCKOUTS = ['LOCKOUT#*'];
/** The passwordless sign-in code rows: a prefix of their own, apart from the password lockouts. */
export const SIGN_IN_CODES = ['SIGNIN#*'];

/** A table statement: Sid `Table<rows>`, limited to the `pk` patterns `keys`. */
export const table = (rows: string, action: string | string[], keys: string[]) => ({
  Sid: `Table${rows}`,
  Effect: 'Allow',
  Action: action,
  Resource: 'Triggers/Table.Arn',
  Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': keys } },
});

export const userPool = (action: string | string[], resource = 'Pool.Arn') => ({ Sid: 'UserPool', Effect: 'Allow', Action: action, Resource: resource });

/** pre-signup on the pool: always, and with LINK_FEDERATED_USERS. */
export const PRE_SIGNUP_POOL = ['cognito-idp:ListUsers', 'cognito-idp:AdminGetUser', 'cognito-idp:AdminDeleteUser'];
export const LINKING_POOL = ['cognito-idp:AdminCreateUser', 'cognito-idp:AdminSetUserPassword', 'cognito-idp:AdminLinkProviderForUser'];

/** user-migration's backends in the fixtures (a table of this account and Region; an old pool in eu-west-1). */
export const LEGACY_TABLE_ARN = 'arn:Ref(AWS::Partition):dynamodb:Ref(AWS::Region):Ref(AWS::AccountId):table/legacy-users';
export const OLD_POOL_ARN = 'arn:Ref(AWS::Partition):cognito-idp:eu-west-1:Ref(AWS::AccountId):userpool/eu-west-1_Old123';

/** pre-signup's squatting guard: reads of the legacy stores user-migration moves users from. */
export const SQUATTING_GUARD = {
  table: { Sid: 'LegacyUsersTable', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: LEGACY_TABLE_ARN },
  emailIndex: (index: string) => ({ Sid: 'LegacyUsersEmailIndex', Effect: 'Allow', Action: 'dynamodb:Query', Resource: `${LEGACY_TABLE_ARN}/index/${index}` }),
  oldPool: { Sid: 'OldUserPool', Effect: 'Allow', Action: ['cognito-idp:AdminGetUser', 'cognito-idp:ListUsers'], Resource: OLD_POOL_ARN },
};

/** Domain events: PutEvents on the one bus (`eventBus`), never `*`. */
export const eventBus = (resource = 'Triggers/EventBus.Arn') => ({ Sid: 'EventBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: resource });

/** triggers-admin's policy (OPERATOR_ACCESS), on the pool `pool`; with `bus`, UserUnlocked on it. */
export const operatorStatements = (pool: string, bus?: string) => [
  table('Lockouts', ['dynamodb:GetItem', 'dynamodb:DeleteItem'], LOCKOUTS),
  table('Reservations', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], RESERVATIONS),
  userPool(['cognito-idp:ListUsers', 'cognito-idp:AdminGetUser'], pool),
  ...(bus ? [eventBus(bus)] : []),
];
