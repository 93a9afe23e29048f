// Drive tests/fakes/aliyun_fake.py with Alibaba's own SDKs, so the fake accepts exactly
// what real clients send: @alicloud/pop-core (RPC, V2 signature; GET and POST form bodies)
// and @alicloud/openapi-client (V3 ACS3-HMAC-SHA256, chunked form bodies), STS tokens,
// UTF-8, '*' and '~' values, and a wrong secret refused with SignatureDoesNotMatch.
// usage: node aliyun_sdk_check.js HOST:PORT   (NODE_EXTRA_CA_CERTS trusts the fake's CA)
'use strict';
const assert = require('assert');
const RPCClient = require('@alicloud/pop-core').RPCClient;
const OpenApi = require('@alicloud/openapi-client');
const Util = require('@alicloud/tea-util');

const endpoint = process.argv[2];
const VALUE = 'sdk value * ~ \u00e9\u4e2d';

function popClient(id, secret, token) {
  return new RPCClient({accessKeyId: id, accessKeySecret: secret, securityToken: token,
                        endpoint: 'https://' + endpoint, apiVersion: '2015-01-09'});
}

function v3Client(id, secret, token) {
  return new OpenApi.default(new OpenApi.Config({accessKeyId: id, accessKeySecret: secret,
                                                 securityToken: token, endpoint, protocol: 'https'}));
}

async function v3Call(client, action, body) {
  const params = new OpenApi.Params({action, version: '2015-01-09', protocol: 'HTTPS', pathname: '/',
                                     method: 'POST', authType: 'AK', style: 'RPC', bodyType: 'json',
                                     reqBodyType: 'formData'});
  const req = new OpenApi.OpenApiRequest({body});
  const reply = await client.callApi(params, req, new Util.RuntimeOptions({}));
  return reply.body;
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

async function main() {
  const add = (rr) => ({DomainName: 'example.com', RR: rr, Type: 'TXT', Value: VALUE, TTL: 600});
  const pop = popClient('AK', 'sk');
  const r1 = await pop.request('AddDomainRecord', add('pop-post'), {method: 'POST'});
  assert.ok(r1.RecordId);
  const r2 = await pop.request('DescribeSubDomainRecords', {SubDomain: 'pop-post.example.com'});
  assert.strictEqual(r2.DomainRecords.Record[0].Value, VALUE);
  await popClient('STS.AK', 'ssk', 'tok').request('DescribeDomains', {PageSize: 2});
  await expectCode(popClient('AK', 'wrong').request('DescribeDomains', {}), 'SignatureDoesNotMatch');
  await expectCode(popClient('STS.AK', 'ssk').request('DescribeDomains', {}), 'MissingSecurityToken');
  console.log('pop-core (V2): ok');

  const v3 = v3Client('AK', 'sk');
  const r3 = await v3Call(v3, 'AddDomainRecord', add('v3'));
  assert.ok(r3.RecordId);
  await v3Call(v3, 'DeleteDomainRecord', {RecordId: r3.RecordId});
  await v3Call(v3Client('STS.AK', 'ssk', 'tok'), 'DescribeDomains', {PageSize: 2});
  await expectCode(v3Call(v3Client('AK', 'wrong'), 'DescribeDomains', {}), 'SignatureDoesNotMatch');
  await expectCode(v3Call(v3, 'AddDomainRecord', add('pop-post')), 'DomainRecordDuplicate');
  console.log('openapi-client (V3): ok');
}

main().catch((e) => {
  console.error('FAIL:', e && e.stack ? e.stack : e);
  process.exit(1);
});
