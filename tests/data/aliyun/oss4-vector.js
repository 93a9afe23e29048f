// Computes tests/data/aliyun/oss4-hmac-sha256.json with ali-oss's own V4 signer (lib/common/signUtils.js).
const su = require('ali-oss/lib/common/signUtils');
const pkg = require('ali-oss/package.json');
const cases = [
 {name: 'PutCname with an STS token', method: 'POST', bucket: 'examplebucket', region: 'cn-hangzhou',
  key_id: 'LTAI5tExampleKeyId', secret: 'ExampleSecret+/=abc',
  query: [['cname', null], ['comp', 'add']],
  headers: {'content-md5': 'eB5eJF1ptWaXm4bijSPyxw==', 'content-type': 'application/xml',
            'x-oss-content-sha256': 'UNSIGNED-PAYLOAD', 'x-oss-date': '20250417T111832Z',
            'x-oss-security-token': 'CAIS-sts~token/+='}},
 {name: 'ListCname', method: 'GET', bucket: 'my-bucket-01', region: 'ap-southeast-1',
  key_id: 'AK', secret: 'sk',
  query: [['cname', null]],
  headers: {'x-oss-content-sha256': 'UNSIGNED-PAYLOAD', 'x-oss-date': '20261204T235959Z'}},
];
for (const c of cases) {
  const queries = Object.fromEntries(c.query);
  const req = {headers: c.headers, queries};
  c.canonical_request = su.getCanonicalRequest(c.method, req, c.bucket, undefined, []);
  c.string_to_sign = su.getStringToSign(c.region, c.headers['x-oss-date'], c.canonical_request);
  c.authorization = su.authorizationV4(c.key_id, c.secret, c.region, c.method, req, c.bucket, undefined, []);
}
console.log(JSON.stringify({source: 'computed with ali-oss ' + pkg.version + ' (npm), lib/common/signUtils.js authorizationV4', cases}, null, 2));
