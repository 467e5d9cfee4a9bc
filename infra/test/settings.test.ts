/** The settings renderers: typed values in, the exact environment text the binaries parse out. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boolean, domainList, email, groupName, integer, nameList, profileClaimMap, text } from '../lib/settings';

describe('settings', () => {
  it('domain lists: arrays or comma text, trimmed, lower-cased, *. for subdomains', () => {
    assert.equal(domainList.render('D', ['Example.COM', ' *.corp.example.org ']), 'example.com,*.corp.example.org');
    assert.equal(domainList.render('D', 'a.io, b.io'), 'a.io,b.io');
    for (const bad of ['localhost', 'exa mple.com', '-x.com', 'x-.com', '*.', '@example.com', 'example.com.*', '']) {
      assert.throws(() => domainList.render('D', [bad]), /invalid setting D=/, bad);
    }
  });
  it('booleans and integers', () => {
    assert.equal(boolean.render('B', true), 'true');
    assert.equal(boolean.render('B', 'false'), 'false');
    assert.throws(() => boolean.render('B', 'TRUE'), /expected true or false/);
    assert.equal(integer(0, 10).render('I', 0), '0');
    assert.equal(integer(0, 10).render('I', '7'), '7');
    assert.throws(() => integer(0, 10).render('I', 11), /from 0 to 10/);
    assert.throws(() => integer(0, 10).render('I', 1.5), /from 0 to 10/);
  });
  it('text, e-mail addresses and group names', () => {
    assert.equal(text.render('T', 'x y'), 'x y');
    assert.throws(() => text.render('T', 'a\nb'), /one line/);
    assert.throws(() => text.render('T', '  '), /non-empty/);
    assert.equal(email.render('E', 'no-reply@mail.example.com'), 'no-reply@mail.example.com');
    assert.throws(() => email.render('E', 'Name <a@b.com>'), /one e-mail address/);
    assert.equal(groupName.render('G', 'members'), 'members');
    assert.throws(() => groupName.render('G', 'two words'), /group name/);
  });
  it('claim lists and profile-to-claim maps', () => {
    assert.equal(nameList.render('S', ['email', 'custom:x']), 'email,custom:x');
    assert.equal(profileClaimMap.render('C', 'tenantId:custom:tenant,roles:roles'), 'tenantId:custom:tenant,roles:roles');
    assert.equal(profileClaimMap.render('C', { tenantId: 'custom:tenant' }), 'tenantId:custom:tenant');
    assert.throws(() => profileClaimMap.render('C', 'tenantId'), /profile-attribute:claim pairs/);
  });
});
