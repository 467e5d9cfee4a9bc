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
/** custom-sms-sender: SMS to phone numbers only (SNS authorizes them on no resource), never to a topic or endpoint. */
export const SMS_TO_PHONES = [
  { Sid: 'PhoneNumbers', Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
  { Sid: 'DenySnsTopics', Effect: 'Deny', Action: 'sns:Publish', Resource: 'arn:Ref(AWS::Partition):sns:*:*:*' },
];

/** `pk` patterns of the shared rows. */
export const RESERVATIONS = ['EMAIL#*', 'PHONE#*'];
export const USER_ROWS = ['USER#*'];
export const LOCKOUTS = ['LOCKOUT#*'];

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

/** Domain events: PutEvents on the one bus (`eventBus`), never `*`. */
export const eventBus = (resource = 'Triggers/EventBus.Arn') => ({ Sid: 'EventBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: resource });

/** triggers-admin's policy (OPERATOR_ACCESS), on the pool `pool`; with `bus`, UserUnlocked on it. */
export const operatorStatements = (pool: string, bus?: string) => [
  table('Lockouts', ['dynamodb:GetItem', 'dynamodb:DeleteItem'], LOCKOUTS),
  table('Reservations', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], RESERVATIONS),
  userPool(['cognito-idp:ListUsers', 'cognito-idp:AdminGetUser'], pool),
  ...(bus ? [eventBus(bus)] : []),
];
