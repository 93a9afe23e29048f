// Drive the DCDN part of tests/fakes/aliyun_fake.py (tests/fakes/aliyun_products/domains.py) with
// Alibaba's own DCDN SDK, @alicloud/dcdn20180115 (V3 signature, RPC style, every parameter in the
// query of a POST), for every action certpilot's alidcdn target uses: SetDcdnDomainSSLCertificate
// (an upload, then a CAS certificate by CertId) and DescribeDcdnDomainCertificateInfo; a second
// upload under one name is NameRepeat, a wrong secret SignatureDoesNotMatch.
// usage: node aliyun_sdk_dcdn_check.js HOST:PORT CHAIN.pem KEY.pem  (NODE_EXTRA_CA_CERTS: the fake's CA)
'use strict';
const assert = require('assert');
const fs = require('fs');
const Dcdn = require('@alicloud/dcdn20180115');
const OpenApi = require('@alicloud/openapi-client');

const [endpoint, chainFile, keyFile] = process.argv.slice(2);
const chain = fs.readFileSync(chainFile, 'utf8');
const key = fs.readFileSync(keyFile, 'utf8');

function client(secret) {
  return new Dcdn.default(new OpenApi.Config({accessKeyId: 'AK', accessKeySecret: secret, endpoint,
                                              protocol: 'https'}));
}

async function expectCode(promise, code) {
  try {
    await promise;
  } catch (e) {
    assert.strictEqual(e.code, code, 'got ' + e.code + ': ' + e.message);
    return;
  }
  assert.fail('expected ' + code);
}

async function describe(c, domain) {
  const r = await c.describeDcdnDomainCertificateInfo(
    new Dcdn.DescribeDcdnDomainCertificateInfoRequest({domainName: domain}));
  return r.body.certInfos.certInfo[0];
}

async function main() {
  const c = client('sk');
  const upload = (domain) => new Dcdn.SetDcdnDomainSSLCertificateRequest({
    domainName: domain, certName: 'sdk-upload', certType: 'upload', SSLProtocol: 'on', SSLPub: chain,
    SSLPri: key});
  await c.setDcdnDomainSSLCertificate(upload('a.dcdn.test'));
  const a = await describe(c, 'a.dcdn.test');
  assert.strictEqual(a.SSLProtocol, 'on');
  assert.strictEqual(a.SSLPub, chain);
  assert.strictEqual(a.certName, 'sdk-upload');
  assert.ok(a.certId);
  await c.setDcdnDomainSSLCertificate(new Dcdn.SetDcdnDomainSSLCertificateRequest({
    domainName: 'b.dcdn.test', certType: 'cas', certId: Number(a.certId), certRegion: a.certRegion,
    SSLProtocol: 'on'}));
  const b = await describe(c, 'b.dcdn.test');
  assert.strictEqual(b.certName, 'sdk-upload');
  assert.strictEqual(b.SSLPub, chain);
  await expectCode(c.setDcdnDomainSSLCertificate(upload('b.dcdn.test')), 'NameRepeat');
  await expectCode(describe(c, 'nope.dcdn.test'), 'InvalidDomain.NotFound');
  await expectCode(describe(client('wrong'), 'a.dcdn.test'), 'SignatureDoesNotMatch');
  console.log('@alicloud/dcdn20180115 (V3): ok');
}

main().catch((e) => {
  console.error('FAIL:', e && e.stack ? e.stack : e);
  process.exit(1);
});
