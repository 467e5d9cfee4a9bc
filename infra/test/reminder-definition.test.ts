/**
 * The real sign-up reminder definition (triggers/signup-reminder/state-machine.asl.json), loaded
 * through the construct's default path — the other tests mostly use a stand-in. Synthesizes the
 * demo stack with the reminder on, as `make deploy INFRA_TRIGGERS=pre-signup,signup-reminder` does.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_REMINDER_DEFINITION, REMINDER_FUNCTION_PLACEHOLDER, REPO_ROOT } from '../lib/cognito-triggers';
import { DEMO_SETTINGS, DemoStack } from '../lib/demo-stack';
import { ASSETS, findCycle, logicalIdAt, resourcesOfType, roleStatements, symbolic, synth, testApp } from './helpers';

const REAL = path.join(REPO_ROOT, 'triggers', 'signup-reminder', 'state-machine.asl.json');

describe('the real reminder definition', () => {
  it('is where the construct looks by default', () => {
    assert.equal(DEFAULT_REMINDER_DEFINITION, REAL);
    assert.ok(fs.existsSync(REAL), `${REAL} is missing`);
  });

  const text = fs.readFileSync(REAL, 'utf8');
  const asl = JSON.parse(text);

  it('uses no placeholder but the function ARN, and invokes nothing but that function', () => {
    const placeholders = [...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
    assert.ok(placeholders.length > 0);
    assert.deepEqual([...new Set(placeholders)], [REMINDER_FUNCTION_PLACEHOLDER]);
    // The state machine role may invoke the reminder function only: every Task must be a Lambda
    // invoke of the placeholder, or the role would need another statement.
    const tasks = Object.entries<any>(asl.States).filter(([, s]) => s.Type === 'Task');
    assert.ok(tasks.length > 0);
    for (const [name, task] of tasks) {
      assert.match(task.Resource, /^arn:aws[a-z-]*:states:::lambda:invoke$/, name);
      assert.equal(task.Parameters.FunctionName, '${' + REMINDER_FUNCTION_PLACEHOLDER + '}', name);
    }
  });

  const app = testApp();
  const stack = new DemoStack(app, 'Reminder', {
    assetDirectory: ASSETS,
    triggers: ['pre-signup', 'signup-reminder'],
    settings: { ...DEMO_SETTINGS, 'signup-reminder': { REMINDER_EMAIL_FROM: 'no-reply@example.com' } },
    emailSenderIdentity: 'example.com',
    // no reminderDefinitionFile: the default path
  });
  const out = synth(app, stack);
  const { json } = out;

  it('synthesizes into the state machine unchanged, with the function ARN substituted', () => {
    const machines = Object.values<any>(resourcesOfType(json, 'AWS::StepFunctions::StateMachine'));
    assert.equal(machines.length, 1);
    const p = symbolic(json, machines[0].Properties);
    assert.deepEqual(JSON.parse(p.DefinitionString), asl);
    assert.deepEqual(p.DefinitionSubstitutions, { [REMINDER_FUNCTION_PLACEHOLDER]: 'Ref(Triggers/SignupReminderAlias)' });
  });

  it('lets the state machine invoke the reminder function, and pre-signup start the state machine', () => {
    const smRole = logicalIdAt(json, 'AWS::IAM::Role', '/Triggers/ReminderStateMachine/Role/');
    assert.deepEqual(
      roleStatements(json, smRole).filter((s: any) => s.Sid === 'InvokeSignupReminder'),
      [{ Sid: 'InvokeSignupReminder', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: 'Ref(Triggers/SignupReminderAlias)' }],
    );
    const preSignup = roleStatements(json, logicalIdAt(json, 'AWS::IAM::Role', '/Triggers/PreSignupRole/'));
    assert.deepEqual(preSignup.find((s: any) => s.Sid === 'ReminderStateMachine'), {
      Sid: 'ReminderStateMachine',
      Effect: 'Allow',
      Action: 'states:StartExecution',
      Resource: 'Ref(Triggers/ReminderStateMachine)',
    });
  });

  it('has no cycle and passes cdk-nag', () => {
    assert.equal(findCycle(json), undefined);
    assert.deepEqual(out.violations, []);
  });
});
