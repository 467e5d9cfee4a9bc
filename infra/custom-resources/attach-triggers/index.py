"""Attaches the triggers to a user pool this stack does not own, keeping everything else.

A CloudFormation custom resource (Custom::CognitoTriggersAttachment, infra/lib/attach-pool.ts).
Cognito's UpdateUserPool resets every setting it is not given, so the pool's whole configuration
is read (DescribeUserPool), fitted to UpdateUserPool's input (the SDK's own model of both calls:
read-only fields such as Id, SchemaAttributes or Domain are left out, nested ones too) and written
back with the trigger slots changed and nothing else. A field this SDK does not know (Cognito added
it after this runtime's botocore) would be silently reset: the update is refused instead, naming it.

Create/Update set the stack's slots (an Update first removes the slots it set before and no longer
sets); Delete removes the slots that still name the stack's functions, so a slot someone pointed
elsewhere meanwhile is left alone. Nothing personal is read or logged.
"""

import json
import urllib.request

import boto3

RESOURCE_TYPE = "Custom::CognitoTriggersAttachment"
KMS_KEY = "KMSKeyID"
SENDER_SLOTS = ("CustomEmailSender", "CustomSMSSender")


def handler(event, context, client=None):
    """The Lambda entry: applies the change, then answers CloudFormation at the pre-signed URL."""
    status, reason, physical_id = "SUCCESS", "", event.get("PhysicalResourceId")
    try:
        physical_id = apply(event, client or boto3.client("cognito-idp"))
    except Exception as err:  # every failure must reach CloudFormation, or the stack waits an hour
        status, reason = "FAILED", f"{type(err).__name__}: {err}"[:1000]
    respond(event, context, status, reason, physical_id or "cognito-triggers-attachment")
    return {"Status": status, "Reason": reason, "PhysicalResourceId": physical_id}


def apply(event, client):
    """Sets or removes the slots for one CloudFormation request; returns the physical id."""
    props = event["ResourceProperties"]
    pool_id = props["UserPoolId"]
    wanted = props.get("LambdaConfig") or {}
    kind = event["RequestType"]
    if kind == "Delete":
        if event.get("PhysicalResourceId") == physical_id_of(pool_id):
            update_slots(client, pool_id, set_slots={}, remove_slots=wanted)
        return event.get("PhysicalResourceId")
    old = (event.get("OldResourceProperties") or {}) if kind == "Update" else {}
    if kind == "Update" and old.get("UserPoolId") not in (None, pool_id):
        # Another pool: CloudFormation deletes the old resource (its physical id differs) after this.
        update_slots(client, pool_id, set_slots=wanted, remove_slots={})
        return physical_id_of(pool_id)
    dropped = {k: v for k, v in (old.get("LambdaConfig") or {}).items() if k not in wanted}
    update_slots(client, pool_id, set_slots=wanted, remove_slots=dropped)
    return physical_id_of(pool_id)


def physical_id_of(pool_id):
    return f"{pool_id}/cognito-triggers"


def update_slots(client, pool_id, set_slots, remove_slots):
    """One read and one write of the whole pool: LambdaConfig changed, every other field as read."""
    raw_fields = []

    def remember(http_response, **_kwargs):
        body = json.loads(http_response.content or b"{}")
        raw_fields.extend((body.get("UserPool") or {}).keys())

    hook = "after-call.cognito-identity-provider.DescribeUserPool"
    client.meta.events.register(hook, remember)
    try:
        pool = client.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    finally:
        client.meta.events.unregister(hook, remember)
    request = update_request(client.meta.service_model, pool, raw_fields)
    request["LambdaConfig"] = merged_lambda_config(pool.get("LambdaConfig") or {}, set_slots, remove_slots)
    client.update_user_pool(**request)


def update_request(service_model, pool, raw_fields):
    """DescribeUserPool's UserPool fitted to UpdateUserPool's input, or an error naming what would be lost."""
    input_shape = service_model.operation_model("UpdateUserPool").input_shape
    output_shape = service_model.operation_model("DescribeUserPool").output_shape.members["UserPool"]
    unknown = sorted(f for f in raw_fields if f not in output_shape.members)
    if unknown:
        raise RuntimeError(
            "the pool has settings this runtime's SDK does not know, which UpdateUserPool would reset: "
            + ", ".join(unknown)
            + "; attach the triggers by hand (docs/deploy.md) or update the function's runtime"
        )
    request = fit(pool, input_shape)
    request["UserPoolId"] = pool["Id"]
    admin = request.get("AdminCreateUserConfig") or {}
    temporary = ((request.get("Policies") or {}).get("PasswordPolicy") or {}).get("TemporaryPasswordValidityDays")
    if "UnusedAccountValidityDays" in admin and temporary is not None:
        # The deprecated twin of TemporaryPasswordValidityDays: Cognito refuses both in one update.
        del admin["UnusedAccountValidityDays"]
    return request


def fit(value, shape):
    """The part of a parsed output value that the input shape accepts, recursively."""
    if shape.type_name == "structure":
        return {k: fit(v, shape.members[k]) for k, v in value.items() if k in shape.members}
    if shape.type_name == "list":
        return [fit(v, shape.member) for v in value]
    if shape.type_name == "map":
        return {k: fit(v, shape.value) for k, v in value.items()}
    return value


def merged_lambda_config(current, set_slots, remove_slots):
    """The pool's LambdaConfig with the stack's slots set, and removed where they still name ours."""
    merged = {k: v for k, v in current.items() if not (k in remove_slots and same_target(v, remove_slots[k]))}
    merged.update(set_slots)
    if not any(slot in merged for slot in SENDER_SLOTS) and KMS_KEY in remove_slots and merged.get(KMS_KEY) == remove_slots[KMS_KEY]:
        del merged[KMS_KEY]
    return merged


def same_target(current, ours):
    """Whether a slot still holds what the stack put there (an ARN, or {LambdaArn, LambdaVersion})."""
    arn = lambda v: v.get("LambdaArn") if isinstance(v, dict) else v
    return arn(current) == arn(ours)


def respond(event, context, status, reason, physical_id):
    """PUTs the answer to CloudFormation's pre-signed S3 URL (no ResponseURL: a direct test call)."""
    url = event.get("ResponseURL")
    if not url:
        return
    body = json.dumps(
        {
            "Status": status,
            "Reason": reason or f"see CloudWatch log stream {getattr(context, 'log_stream_name', '')}",
            "PhysicalResourceId": physical_id,
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "NoEcho": False,
        }
    ).encode()
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": "", "Content-Length": str(len(body))})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - CloudFormation's https URL
        response.read()
