/** The settings renderers: typed values in, the exact environment text the binaries parse out. */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  boolean,
  domainList,
  email,
  groupName,
  groupScopes,
  httpsUrl,
  integer,
  nameList,
  oneOf,
  originationNumber,
  pairList,
  profileClaimMap,
  providerNames,
  senderAddress,
  senderAddressOf,
  sesConfigurationSet,
  smsSenderId,
  text,
  textUpTo,
} from '../lib/settings';

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
  it('choices, bounded one-line text and https links', () => {
    assert.equal(oneOf('deny', 'allow').render('F', 'allow'), 'allow');
    assert.throws(() => oneOf('deny', 'allow').render('F', 'Allow'), /F="Allow": expected one of deny, allow/);
    assert.equal(textUpTo(5).render('S', 'abcde'), 'abcde');
    assert.throws(() => textUpTo(5).render('S', 'abcdef'), /at most 5 characters/);
    assert.throws(() => textUpTo(5).render('S', 'a\tb'), /one line/);
    assert.equal(httpsUrl.render('U', 'https://example.com/signup?a=1&b=2'), 'https://example.com/signup?a=1&b=2');
    for (const bad of ['http://example.com', 'example.com/signup', 'https://', 'https://exa mple.com', 'https://example.com/"x', 'https://example.com/<x>']) {
      assert.throws(() => httpsUrl.render('U', bad), /expected an absolute https URL/, bad);
    }
  });
  it('senders, with or without a display name', () => {
    assert.equal(senderAddress.render('E', 'no-reply@example.com'), 'no-reply@example.com');
    assert.equal(senderAddress.render('E', 'Example Team <no-reply@example.com>'), 'Example Team <no-reply@example.com>');
    assert.equal(senderAddressOf('Example Team <no-reply@example.com>'), 'no-reply@example.com');
    assert.equal(senderAddressOf('no-reply@example.com'), 'no-reply@example.com');
    for (const bad of ['no-reply', '<no-reply@example.com>', 'A, B <x@example.com>', '"A" <x@example.com>', 'Zoë <x@example.com>', 'A <x@example.com', 'a@b.com, c@d.com']) {
      assert.throws(() => senderAddress.render('E', bad), /expected an e-mail address/, bad);
    }
  });
  it('the custom senders: SES configuration set, SMS sender id, origination number (the binaries\' rules)', () => {
    assert.equal(sesConfigurationSet.render('C', 'transactional_2-eu'), 'transactional_2-eu');
    for (const bad of ['two words', 'x'.repeat(65), 'a.b', '']) assert.throws(() => sesConfigurationSet.render('C', bad), /SES configuration set name/, bad);
    for (const good of ['Acme', 'Acme-1', 'A', 'ABCDEFGHIJK']) assert.equal(smsSenderId.render('S', good), good);
    // custom-sms-sender's own cases: twelve letters, digits only, a space.
    for (const bad of ['TwelveLetter', '12345', 'Acme Inc', 'Acmé', '']) assert.throws(() => smsSenderId.render('S', bad), /SMS sender id/, bad);
    for (const good of ['+14155550100', '+4915112345678', 'arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-1234']) {
      assert.equal(originationNumber.render('O', good), good);
    }
    for (const bad of ['4155550100', '+49 151', '+1234567', '+1234567890123456', 'arn: x']) {
      assert.throws(() => originationNumber.render('O', bad), /E.164 number/, bad);
    }
  });
  it('key:value pairs', () => {
    assert.equal(pairList.render('P', 'corpsaml:CorpSAML, oidc : MyOIDC'), 'corpsaml:CorpSAML,oidc:MyOIDC');
    assert.equal(pairList.render('P', { corpsaml: 'CorpSAML' }), 'corpsaml:CorpSAML');
    for (const bad of ['google=Google', ':Google', 'google:', 'two words:X']) assert.throws(() => pairList.render('P', bad), /expected key:value pairs/, bad);
  });
  it('identity provider names, as the pool spells them', () => {
    assert.equal(providerNames.render('L', ' Google , CorpSAML'), 'Google,CorpSAML');
    assert.equal(providerNames.render('L', ['SignInWithApple', 'Corp-SAML.1']), 'SignInWithApple,Corp-SAML.1');
    for (const bad of ['Corp SAML', '_hidden', 'x'.repeat(33)]) assert.throws(() => providerNames.render('L', bad), /expected a list of identity provider names/, bad);
    assert.throws(() => providerNames.render('L', ' , '), /invalid setting L=/);
  });
  it('group-to-scopes entries', () => {
    assert.equal(groupScopes.render('G', 'admins:orders/write orders/read;editors:orders/read'), 'admins:orders/write orders/read;editors:orders/read');
    assert.equal(groupScopes.render('G', 'admins: urn:api:read ;'), 'admins:urn:api:read');
    assert.equal(groupScopes.render('G', { admins: ['a', 'b'], editors: 'c d' }), 'admins:a b;editors:c d');
    for (const bad of ['admins=api/admin', 'admins:', ':x', 'a b:x', 'admins:x\\y', ';', ' ']) {
      assert.throws(() => groupScopes.render('G', bad), /invalid setting G=/, bad);
    }
    assert.throws(() => groupScopes.render('G', 'a:x;a:y'), /group a is listed twice/);
  });
});
