/**
 * Where the CDK app finds the Rust workspace's outputs, and which trigger binaries it has.
 *
 * "Every trigger binary" is one rule, applied to the workspace itself rather than kept as a list:
 * each directory `triggers/<name>/` with a `Cargo.toml` is a trigger whose binary is `<name>`
 * (the skeleton in docs/architecture.md). `infra/infra.mk` applies the same rule with `$(wildcard)`
 * to compute `INFRA_TRIGGERS` (passed as `-c triggers=`), and `test/workspace.test.ts` checks the
 * two agree, so a trigger that lands joins the default set without editing a list.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TRIGGER_NAMES, TriggerName } from './triggers';

/** Repository root (infra/lib/ → ../..). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** Where `cargo lambda build --release --arm64` writes `<binary>/bootstrap[.zip]`. */
export const DEFAULT_ASSET_DIRECTORY = path.join(REPO_ROOT, 'target', 'lambda');
/** The sign-up reminder definition, versioned with its binary. */
export const DEFAULT_REMINDER_DEFINITION = path.join(REPO_ROOT, 'triggers', 'signup-reminder', 'state-machine.asl.json');

/** The trigger binaries of the workspace at `root`, sorted: `triggers/<name>/Cargo.toml` → `<name>`. */
export function workspaceTriggerBinaries(root: string = REPO_ROOT): string[] {
  const dir = path.join(root, 'triggers');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'Cargo.toml')))
    .map((e) => e.name)
    .sort();
}

/**
 * Names checked against the trigger table (`TRIGGERS` in ./triggers.ts): a binary without an
 * entry is refused with what to do, since the construct cannot know its slot or its permissions.
 * `source` says where the list came from, for the message.
 */
export function knownTriggers(names: readonly string[], source: string): TriggerName[] {
  const unknown = names.filter((n) => !(TRIGGER_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new Error(
      `${source}: no entry for ${unknown.join(', ')} in the trigger table (infra/lib/triggers.ts); ` +
        'add one (its LambdaConfig slot, the calls it makes, its settings) to deploy it, ' +
        `or leave it out (make synth INFRA_TRIGGERS=a,b / -c triggers=a,b). Known: ${TRIGGER_NAMES.join(', ')}`,
    );
  }
  return names as TriggerName[];
}

/** Every trigger binary of this workspace, each with a table entry (else an error saying what to add). */
export function workspaceTriggers(root: string = REPO_ROOT): TriggerName[] {
  return knownTriggers(workspaceTriggerBinaries(root), `the workspace's triggers/ (${path.join(root, 'triggers')})`);
}
