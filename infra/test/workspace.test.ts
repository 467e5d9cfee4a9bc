/**
 * "Every trigger binary" comes from the workspace itself (triggers/<name>/Cargo.toml), for the
 * Makefile (INFRA_TRIGGERS) and for the CDK app alike; a binary without a table entry is refused.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { buildApp } from '../lib/app';
import { TRIGGER_NAMES } from '../lib/triggers';
import { REPO_ROOT, workspaceTriggerBinaries, workspaceTriggers } from '../lib/workspace';
import { ASSETS, tempDir } from './helpers';

describe('the workspace trigger set', () => {
  it('is every triggers/<name>/ with a Cargo.toml whose [[bin]] is <name>', () => {
    const names = workspaceTriggerBinaries();
    assert.ok(names.length > 0);
    for (const name of names) {
      const manifest = fs.readFileSync(path.join(REPO_ROOT, 'triggers', name, 'Cargo.toml'), 'utf8');
      assert.match(manifest, new RegExp(`\\[\\[bin\\]\\]\\s*\\nname = "${name}"`), `triggers/${name}: its binary must be named ${name}`);
    }
  });

  it('is what the Makefile computes for INFRA_TRIGGERS (make infra-triggers)', () => {
    // Overrides from an outer make (INFRA_TRIGGERS=...) do not reach INFRA_ALL_TRIGGERS.
    const printed = execFileSync('make', ['-s', '--no-print-directory', '-C', REPO_ROOT, 'infra-triggers'], { encoding: 'utf8' }).trim();
    assert.equal(printed, workspaceTriggerBinaries().join(','));
  });

  it('has a trigger-table entry for every binary', () => {
    for (const name of workspaceTriggers()) assert.ok((TRIGGER_NAMES as readonly string[]).includes(name));
  });

  it('refuses a binary the trigger table has no entry for, saying what to do', () => {
    const root = tempDir();
    for (const name of ['pre-signup', 'post-signup']) {
      fs.mkdirSync(path.join(root, 'triggers', name), { recursive: true });
      fs.writeFileSync(path.join(root, 'triggers', name, 'Cargo.toml'), `[package]\nname = "${name}"\n`);
    }
    fs.mkdirSync(path.join(root, 'triggers', 'notes')); // no Cargo.toml: not a binary
    assert.deepEqual(workspaceTriggerBinaries(root), ['post-signup', 'pre-signup']);
    assert.throws(
      () => workspaceTriggers(root),
      /no entry for post-signup in the trigger table \(infra\/lib\/triggers.ts\); add one \(its LambdaConfig slot, the calls it makes, its settings\) to deploy it, or leave it out \(make synth INFRA_TRIGGERS=a,b/,
    );
  });

  it('is what the CDK app deploys without -c triggers', () => {
    const { stack } = buildApp({ context: { lambdaAssets: ASSETS } });
    assert.deepEqual(Object.keys(stack.triggers.triggers).sort(), workspaceTriggerBinaries());
  });
});
