// Alibaba's own credentials SDK (@alicloud/credentials) against certpilot's fakes: STS AssumeRole
// (tests/fakes/aliyun_products/sts.py, V2 signature verified), AssumeRoleWithOIDC, and the ECS
// metadata service (tests/fakes/ecs_metadata_fake.py, IMDSv2 only: the SDK's fallback to the
// token-less mode is turned off, so a fake that wanted no token would fail here). The SDK is
// pointed at the fakes: withStsEndpoint for STS; for the metadata service, whose address the SDK
// fixes at 100.100.100.200, its requests (built by the SDK) are sent to the fake's host instead.
// usage: node aliyun_sdk_creds_check.js STS_HOST:PORT MD_HOST:PORT ROLE_ARN POD_ROLE_ARN PROVIDER_ARN TOKEN_FILE
'use strict';
const assert = require('assert');
const base = '@alicloud/credentials/dist/src/providers/';
const StaticAK = require(base + 'static_ak').default;
const RamRoleArn = require(base + 'ram_role_arn').default;
const Oidc = require(base + 'oidc_role_arn').default;
const Ecs = require(base + 'ecs_ram_role').default;
const http = require(base + 'http');

const [sts, md, role, podRole, provider, tokenFile] = process.argv.slice(2);

function isSts(c, what) {
  assert.ok(c.accessKeyId.startsWith('STS.'), what + ': AccessKeyId ' + c.accessKeyId);
  assert.ok(c.accessKeySecret && c.securityToken, what + ': secret and token');
  console.log('ok ' + what + ' ' + c.accessKeyId);
}

async function main() {
  const ak = StaticAK.builder().withAccessKeyId('AKBASE').withAccessKeySecret('base-Secret-0815').build();
  const arn = RamRoleArn.builder().withCredentialsProvider(ak).withRoleArn(role)
    .withRoleSessionName('sdk-check').withStsEndpoint(sts).withDurationSeconds(900).build();
  isSts(await arn.getCredentials(), 'AssumeRole');

  const bad = StaticAK.builder().withAccessKeyId('AKBASE').withAccessKeySecret('wrong-Secret').build();
  const wrong = RamRoleArn.builder().withCredentialsProvider(bad).withRoleArn(role).withStsEndpoint(sts).build();
  await assert.rejects(wrong.getCredentials(), /access key secret is invalid|SignatureDoesNotMatch/);
  console.log('ok AssumeRole with a wrong secret is refused');

  const oidc = Oidc.builder().withRoleArn(podRole).withOIDCProviderArn(provider).withOIDCTokenFilePath(tokenFile)
    .withRoleSessionName('sdk-pod').withStsEndpoint(sts).build();
  isSts(await oidc.getCredentials(), 'AssumeRoleWithOIDC');

  const ecs = Ecs.builder().withDisableIMDSv1(true).build();
  const seen = [];
  ecs.doRequest = (req) => {
    assert.strictEqual(req.host, '100.100.100.200');
    seen.push(req.method + ' ' + req.path);
    req.host = md;
    return http.doRequest(req);
  };
  isSts(await ecs.getCredentials(), 'ECS RAM role');
  assert.ok(seen.includes('PUT /latest/api/token'), seen.join(', '));
  assert.ok(seen.includes('GET /latest/meta-data/ram/security-credentials/'), seen.join(', '));
}

main().then(() => console.log('PASS'), (e) => { console.error('FAIL: ' + (e && e.stack || e)); process.exit(1); });
