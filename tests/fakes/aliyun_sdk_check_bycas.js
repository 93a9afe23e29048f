// Drive tests/fakes/aliyun_products/cas_by_id.py with Alibaba's own product SDKs, so the fake takes
// exactly what real clients send for every action certpilot's alialb and alifc use:
// @alicloud/alb20200616 (RPC: parameters in the query, Certificates.N.CertificateId) and
// @alicloud/fc20230330 (ROA: GET/PUT on /2023-03-30/custom-domains/{name}, a JSON body, V3-signed).
// usage: node aliyun_sdk_check_bycas.js HOST:PORT CERT.pem KEY.pem CERTID
//   (NODE_EXTRA_CA_CERTS trusts the fake; CERTID a CAS upload the fake holds)
'use strict';
const assert = require('assert');
const fs = require('fs');
const OpenApi = require('@alicloud/openapi-client');
const Alb = require('@alicloud/alb20200616');
const Fc = require('@alicloud/fc20230330');

const [endpoint, certFile, keyFile, certId] = process.argv.slice(2);
const config = () => new OpenApi.Config({accessKeyId: 'AK', accessKeySecret: 'sk', endpoint, protocol: 'https'});

async function expectCode(promise, code) {
  try {
    await promise;
  } catch (e) {
    assert.strictEqual(e.code, code, 'got ' + e.code + ': ' + e.message);
    return;
  }
  assert.fail('expected ' + code);
}

async function alb() {
  const c = new Alb.default(config());
  const id = certId + '-cn-hangzhou';
  await c.updateListenerAttribute(new Alb.UpdateListenerAttributeRequest({
    listenerId: 'lsn-sdk', certificates: [new Alb.UpdateListenerAttributeRequestCertificates({certificateId: id})]}));
  await c.associateAdditionalCertificatesWithListener(new Alb.AssociateAdditionalCertificatesWithListenerRequest({
    listenerId: 'lsn-sdk2',
    certificates: [new Alb.AssociateAdditionalCertificatesWithListenerRequestCertificates({certificateId: id})]}));
  const l = await c.listListenerCertificates(new Alb.ListListenerCertificatesRequest({
    listenerId: 'lsn-sdk2', certificateType: 'Server', maxResults: 100}));
  assert.deepStrictEqual(l.body.certificates.map((x) => [x.certificateId, x.isDefault]), [[id, false]]);
  const d = await c.listListenerCertificates(new Alb.ListListenerCertificatesRequest({listenerId: 'lsn-sdk'}));
  assert.deepStrictEqual(d.body.certificates.map((x) => [x.certificateId, x.isDefault]), [[id, true]]);
  await c.dissociateAdditionalCertificatesFromListener(new Alb.DissociateAdditionalCertificatesFromListenerRequest({
    listenerId: 'lsn-sdk2',
    certificates: [new Alb.DissociateAdditionalCertificatesFromListenerRequestCertificates({certificateId: id})]}));
  await expectCode(c.listListenerCertificates(new Alb.ListListenerCertificatesRequest({listenerId: 'lsn-none'})),
                   'ResourceNotFound.Listener');
  console.log('alb20200616: ok');
}

async function fc() {
  const c = new Fc.default(config());
  const pem = fs.readFileSync(certFile, 'utf8');
  const key = fs.readFileSync(keyFile, 'utf8');
  const before = await c.getCustomDomain('fc.sdk.test');
  assert.strictEqual(before.body.domainName, 'fc.sdk.test');
  await c.updateCustomDomain('fc.sdk.test', new Fc.UpdateCustomDomainRequest({
    body: new Fc.UpdateCustomDomainInput({protocol: 'HTTP,HTTPS',
      certConfig: new Fc.CertConfig({certName: 'certpilot-sdk', certificate: pem, privateKey: key})})}));
  const after = await c.getCustomDomain('fc.sdk.test');
  assert.strictEqual(after.body.certConfig.certName, 'certpilot-sdk');
  assert.strictEqual(after.body.certConfig.certificate, pem);
  assert.strictEqual(after.body.protocol, 'HTTP,HTTPS');
  await expectCode(c.getCustomDomain('nope.sdk.test'), 'DomainNameNotFound');
  console.log('fc20230330: ok');
}

alb().then(fc).catch((e) => {
  console.error('FAIL:', e && e.stack ? e.stack : e);
  process.exit(1);
});
