// pre-signup's common path in Node.js 20 with the AWS SDK v3, the same two calls the Rust trigger
// makes for a new address: the conditional PutItem that reserves it, then ListUsers for an older
// user holding it. Same retry and timeout settings as the Rust adapters (2 attempts, 1 s each).
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { CognitoIdentityProviderClient, ListUsersCommand } from "@aws-sdk/client-cognito-identity-provider";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const requestHandler = new NodeHttpHandler({ connectionTimeout: 300, requestTimeout: 1000 });
const dynamo = new DynamoDBClient({ maxAttempts: 2, requestHandler });
const cognito = new CognitoIdentityProviderClient({ maxAttempts: 2, requestHandler });
const table = process.env.TABLE_NAME;
const TAKEN = "An account with this email address already exists.";

export async function handler(event) {
  const email = String(event.request?.userAttributes?.email ?? "").trim().toLowerCase();
  const now = Math.floor(Date.now() / 1000);
  const n = (value) => ({ N: String(value) });
  try {
    await dynamo.send(new PutItemCommand({
      TableName: table,
      Item: {
        pk: { S: `EMAIL#${event.userPoolId}#${email}` }, sk: { S: "RESERVATION" },
        owner: { S: event.userName }, status: { S: "PENDING" },
        createdAt: n(now), updatedAt: n(now), expiresAt: n(now + 86400),
      },
      ConditionExpression: "attribute_not_exists(#pk) OR #expiresAt <= :now",
      ExpressionAttributeNames: { "#pk": "pk", "#expiresAt": "expiresAt" },
      ExpressionAttributeValues: { ":now": n(now) },
    }));
  } catch (error) {
    if (error.name === "ConditionalCheckFailedException") throw new Error(TAKEN);
    throw error;
  }
  const filter = `email = "${email.replace(/["\\]/g, (c) => "\\" + c)}"`;
  const found = await cognito.send(new ListUsersCommand({ UserPoolId: event.userPoolId, Filter: filter, Limit: 60 }));
  if ((found.Users ?? []).some((user) => user.Username !== event.userName)) throw new Error(TAKEN);
  return event;
}
