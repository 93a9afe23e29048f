// Drive tests/fakes/aliyun_products/esa.py with Alibaba's own ESA SDK, @alicloud/esa20240910, so the
// fake takes exactly what a real client sends for every action certpilot's --dns aliesa and aliesa
// target use: ListSites, ListRecords (GETs), CreateRecord, DeleteRecord, ListCertificates,
// SetCertificate (the key in a form body), GetCertificate (POSTs); and refuses what it must.
// usage: node aliyun_sdk_esa_check.js HOST:PORT CERT.pem KEY.pem
//   (NODE_EXTRA_CA_CERTS trusts the fake, which holds the site sdk.test)
'use strict';
const assert = require('assert');
const fs = require('fs');
const OpenApi = require('@alicloud/openapi-client');
const Esa = require('@alicloud/esa20240910');

const [endpoint, certFile, keyFile] = process.argv.slice(2);
const c = new Esa.default(new OpenApi.Config({accessKeyId: 'AK', accessKeySecret: 'sk', endpoint, protocol: 'https'}));

async function expectCode(promise, code) {
  try {
    await promise;
  } catch (e) {
    assert.strictEqual(e.code, code, 'got ' + e.code + ': ' + e.message);
    return;
  }
  assert.fail('expected ' + code);
}

async function dns() {
  const sites = await c.listSites(new Esa.ListSitesRequest({siteName: 'sdk.test', siteSearchType: 'exact'}));
  assert.strictEqual(sites.body.sites.length, 1);
  const siteId = sites.body.sites[0].siteId;
  assert.strictEqual(typeof siteId, 'number');
  const name = '_acme-challenge.www.sdk.test';
  const made = await c.createRecord(new Esa.CreateRecordRequest({siteId, recordName: name, type: 'TXT', ttl: 60,
    data: new Esa.CreateRecordRequestData({value: 'sdk-token'})}));
  const id = made.body.recordId;
  assert.strictEqual(typeof id, 'number');
  const l = await c.listRecords(new Esa.ListRecordsRequest({siteId, recordName: name, recordMatchType: 'exact',
    type: 'TXT', pageNumber: 1, pageSize: 100}));
  assert.deepStrictEqual(l.body.records.map((r) => [r.recordId, r.recordName, r.recordType, r.data.value]),
    [[id, name, 'TXT', 'sdk-token']]);
  assert.strictEqual(l.body.totalCount, 1);
  await c.deleteRecord(new Esa.DeleteRecordRequest({recordId: id}));
  const after = await c.listRecords(new Esa.ListRecordsRequest({siteId, recordName: name}));
  assert.strictEqual(after.body.records.length, 0);
  await expectCode(c.deleteRecord(new Esa.DeleteRecordRequest({recordId: id})), 'Record.NotExist');
  await expectCode(c.listRecords(new Esa.ListRecordsRequest({})), 'MissingParameter');
  return siteId;
}

async function certs(siteId) {
  const cert = fs.readFileSync(certFile, 'utf8');
  const key = fs.readFileSync(keyFile, 'utf8');
  const set = await c.setCertificate(new Esa.SetCertificateRequest({siteId, type: 'upload', name: 'certpilot-sdk-1',
    certificate: cert, privateKey: key}));
  const id = set.body.id;
  assert.ok(id);
  const l = await c.listCertificates(new Esa.ListCertificatesRequest({siteId, pageNumber: 1, pageSize: 100}));
  assert.deepStrictEqual(l.body.result.map((x) => [x.id, x.name, x.type]), [[id, 'certpilot-sdk-1', 'upload']]);
  assert.ok(/^[0-9a-f]+$/.test(l.body.result[0].serialNumber));
  const again = await c.setCertificate(new Esa.SetCertificateRequest({siteId, type: 'upload', id,
    name: 'certpilot-sdk-2', certificate: cert, privateKey: key}));
  assert.strictEqual(again.body.id, id);
  const g = await c.getCertificate(new Esa.GetCertificateRequest({siteId, id}));
  assert.strictEqual(g.body.result.name, 'certpilot-sdk-2');
  assert.strictEqual(g.body.result.serialNumber, l.body.result[0].serialNumber);
  assert.strictEqual(g.body.certificate, cert);
  await expectCode(c.getCertificate(new Esa.GetCertificateRequest({siteId, id: '1'})), 'Certificate.NotExist');
  await expectCode(c.setCertificate(new Esa.SetCertificateRequest({siteId, type: 'upload', certificate: cert,
    privateKey: 'not a key'})), 'InvalidParameter.PrivateKey');
}

// What the SDK never sends is refused: ListSites as a POST, SetCertificate's key in the URL.
async function refusals(siteId) {
  const call = (action, method, query) => c.callApi(new OpenApi.Params({action, version: '2024-09-10',
    protocol: 'HTTPS', pathname: '/', method, authType: 'AK', style: 'RPC', reqBodyType: 'formData',
    bodyType: 'json'}), new OpenApi.OpenApiRequest({query}), {});
  await expectCode(call('ListSites', 'POST', {}), 'UnsupportedHTTPMethod');
  await expectCode(call('SetCertificate', 'POST', {SiteId: String(siteId), Type: 'upload', PrivateKey: 'x'}),
    'UnsupportedHTTPMethod');
  await expectCode(call('ListRecords', 'GET', {SiteId: String(siteId), Bogus: '1'}), 'InvalidParameter');
}

(async () => {
  const siteId = await dns();
  await refusals(siteId);
  await certs(siteId);
  console.log('ok');
})().catch((e) => {
  console.error(e.stack || e.message);
  process.exit(1);
});
