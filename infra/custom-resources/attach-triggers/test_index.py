"""The attachment custom resource against moto's Cognito (in process): the pool's other settings
survive the write, Update and Delete touch only the stack's slots, and an unknown field refuses.

Run: tools/venv/bin/python -m unittest discover -s infra/custom-resources/attach-triggers (make infra-test).
"""

import os
import unittest

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

import index  # noqa: E402

ARN = "arn:aws:lambda:eu-west-1:123456789012:function:{}:live"
OURS = {
    "PreSignUp": ARN.format("pre-signup"),
    "CustomEmailSender": {"LambdaArn": ARN.format("custom-email-sender"), "LambdaVersion": "V1_0"},
    "KMSKeyID": "arn:aws:kms:eu-west-1:123456789012:key/ours",
}
THEIRS = {"PostAuthentication": ARN.format("their-audit")}


def request(kind, config, old=None, physical=None, pool_id=None):
    event = {"RequestType": kind, "ResourceProperties": {"UserPoolId": pool_id, "LambdaConfig": config}}
    if old is not None:
        event["OldResourceProperties"] = {"UserPoolId": pool_id, "LambdaConfig": old}
    if physical:
        event["PhysicalResourceId"] = physical
    return event


@mock_aws
class AttachTriggers(unittest.TestCase):
    def setUp(self):
        self.client = boto3.client("cognito-idp")
        self.pool_id = self.client.create_user_pool(
            PoolName="customers",
            Policies={"PasswordPolicy": {"MinimumLength": 14, "RequireSymbols": True, "TemporaryPasswordValidityDays": 3}},
            MfaConfiguration="OPTIONAL",
            AutoVerifiedAttributes=["email"],
            EmailVerificationSubject="Your code",
            EmailVerificationMessage="Code {####}",
            DeletionProtection="ACTIVE",
            UserPoolTags={"team": "identity"},
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            LambdaConfig=THEIRS,
        )["UserPool"]["Id"]

    def describe(self):
        pool = self.client.describe_user_pool(UserPoolId=self.pool_id)["UserPool"]
        return pool, {k: v for k, v in pool.items() if k not in ("LambdaConfig", "LastModifiedDate")}

    def run_request(self, event):
        event["ResourceProperties"]["UserPoolId"] = self.pool_id
        if "OldResourceProperties" in event:
            event["OldResourceProperties"]["UserPoolId"] = self.pool_id
        result = index.handler(event, None, client=self.client)
        self.assertEqual(result["Status"], "SUCCESS", result["Reason"])
        return result

    def test_create_sets_the_slots_and_keeps_every_other_setting(self):
        _, before = self.describe()
        result = self.run_request(request("Create", OURS))
        pool, after = self.describe()
        self.assertEqual(result["PhysicalResourceId"], f"{self.pool_id}/cognito-triggers")
        self.assertEqual(pool["LambdaConfig"], {**THEIRS, **OURS})
        self.assertEqual(after, before)
        self.assertEqual(after["Policies"]["PasswordPolicy"]["MinimumLength"], 14)
        self.assertEqual(after["UserPoolTags"], {"team": "identity"})

    def test_the_guard_sees_the_raw_fields_of_the_response(self):
        seen = []
        real = index.update_request

        def spy(model, pool, raw_fields):
            seen.extend(raw_fields)
            return real(model, pool, raw_fields)

        index.update_request = spy
        try:
            self.run_request(request("Create", OURS))
        finally:
            index.update_request = real
        self.assertIn("Id", seen)
        self.assertIn("LambdaConfig", seen)

    def test_the_write_carries_every_updatable_field_the_pool_has(self):
        # moto merges an update into the pool; Cognito resets what is left out. So check the request
        # itself: every field of the description that UpdateUserPool takes is in it, unchanged.
        sent = {}
        real = self.client.update_user_pool

        def capture(**kwargs):
            sent.update(kwargs)
            return real(**kwargs)

        self.client.update_user_pool = capture
        pool = self.client.describe_user_pool(UserPoolId=self.pool_id)["UserPool"]
        self.run_request(request("Create", OURS))
        takes = self.client.meta.service_model.operation_model("UpdateUserPool").input_shape.members
        for field, value in pool.items():
            if field in takes and field != "LambdaConfig":
                self.assertEqual(sent.get(field), value, field)
        self.assertEqual(sent["MfaConfiguration"], "OPTIONAL")
        self.assertEqual(sent["DeletionProtection"], "ACTIVE")
        self.assertNotIn("SchemaAttributes", sent)

    def test_update_removes_only_slots_it_no_longer_sets(self):
        self.run_request(request("Create", OURS))
        physical = f"{self.pool_id}/cognito-triggers"
        fewer = {"PreSignUp": OURS["PreSignUp"]}
        self.run_request(request("Update", fewer, old=OURS, physical=physical))
        pool, _ = self.describe()
        self.assertEqual(pool["LambdaConfig"], {**THEIRS, **fewer})

    def test_delete_leaves_a_slot_someone_pointed_elsewhere(self):
        self.run_request(request("Create", OURS))
        current = self.client.describe_user_pool(UserPoolId=self.pool_id)["UserPool"]["LambdaConfig"]
        moved = {**current, "PreSignUp": ARN.format("someone-elses")}
        # Set by another tool meanwhile (through the same read-and-write, so nothing else changes).
        index.update_slots(self.client, self.pool_id, set_slots=moved, remove_slots={})
        _, before = self.describe()
        self.run_request(request("Delete", OURS, physical=f"{self.pool_id}/cognito-triggers"))
        pool, after = self.describe()
        self.assertEqual(pool["LambdaConfig"], {**THEIRS, "PreSignUp": ARN.format("someone-elses")})
        self.assertEqual(after, before)

    def test_a_field_the_sdk_does_not_know_refuses_the_write(self):
        model = self.client.meta.service_model
        pool = self.client.describe_user_pool(UserPoolId=self.pool_id)["UserPool"]
        with self.assertRaisesRegex(RuntimeError, "UpdateUserPool would reset: FutureSetting; attach the triggers by hand"):
            index.update_request(model, pool, [*pool.keys(), "FutureSetting"])

    def test_drops_read_only_fields_and_the_deprecated_validity_twin(self):
        model = self.client.meta.service_model
        pool = {
            "Id": "eu-west-1_x",
            "Name": "n",
            "Arn": "arn",
            "SchemaAttributes": [{"Name": "email"}],
            "Domain": "d",
            "Policies": {"PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 7}},
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False, "UnusedAccountValidityDays": 7},
        }
        got = index.update_request(model, pool, list(pool))
        self.assertEqual(
            got,
            {
                "UserPoolId": "eu-west-1_x",
                "Policies": {"PasswordPolicy": {"MinimumLength": 8, "TemporaryPasswordValidityDays": 7}},
                "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
            },
        )

    def test_a_failure_is_answered_as_failed(self):
        event = request("Create", OURS, pool_id="eu-west-1_Missing1")
        result = index.handler(event, None, client=self.client)
        self.assertEqual(result["Status"], "FAILED")
        self.assertIn("ResourceNotFoundException", result["Reason"])


if __name__ == "__main__":
    unittest.main()
