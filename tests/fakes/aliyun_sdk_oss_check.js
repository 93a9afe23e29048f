// ali-oss (npm) against the fake's OSS product: PutCname with a certificate and key, then ListCname,
// V4-signed by ali-oss itself. ali-oss has no CNAME methods: the calls go through its own request
// path (_bucketRequestParams + request), as its bucket methods (putBucketTags...) do.
// argv: endpoint keyId secret stsToken certPem keyPem
const OSS = require('ali-oss');
const fs = require('fs');
const [endpoint, keyId, secret, token, certFile, keyFile] = process.argv.slice(2);
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function main() {
  const opts = {region: 'oss-cn-hangzhou', endpoint: 'https://' + endpoint, bucket: 'sdk-bucket',
                accessKeyId: keyId, accessKeySecret: secret, authorizationV4: true, secure: true};
  if (token) opts.stsToken = token;
  const c = new OSS(opts);
  const cert = fs.readFileSync(certFile, 'utf8'), key = fs.readFileSync(keyFile, 'utf8');
  const put = c._bucketRequestParams('POST', 'sdk-bucket', {cname: '', comp: 'add'}, {});
  put.mime = 'xml';
  put.successStatuses = [200];
  put.content = '<?xml version="1.0" encoding="UTF-8"?><BucketCnameConfiguration><Cname><Domain>cdn.sdk.test</Domain>' +
    '<CertificateConfiguration><Certificate>' + esc(cert) + '</Certificate><PrivateKey>' + esc(key) +
    '</PrivateKey><Force>true</Force></CertificateConfiguration></Cname></BucketCnameConfiguration>';
  await c.request(put);
  const list = c._bucketRequestParams('GET', 'sdk-bucket', 'cname', {});
  list.successStatuses = [200];
  list.xmlResponse = true;
  const r = await c.request(list);
  const cn = [].concat(r.data.Cname)[0];
  if (cn.Domain !== 'cdn.sdk.test' || !/^([0-9A-F]{2}:){19}[0-9A-F]{2}$/.test(cn.Certificate.Fingerprint))
    throw new Error('unexpected ListCname: ' + JSON.stringify(r.data));
  console.log('ok', cn.Certificate.CertId);
}
main().catch((e) => { console.error(e.code || '', e.message); process.exit(1); });
