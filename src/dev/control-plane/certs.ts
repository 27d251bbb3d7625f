import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { openssl } from './openssl.js';

export type KeyType = 'ec' | 'rsa';

export interface CertificateAuthority {
  caCert: string;
  caKey: string;
}

export interface MakeDevCertsOptions {
  /** DNS names or IP addresses to add to the serving certificate, besides 127.0.0.1 and localhost. */
  hosts?: string[];
  /** Start of the serving certificate's validity. Default: one hour ago, to tolerate clock skew. */
  notBefore?: Date;
  /** How long the serving certificate is valid from `notBefore`. Default: one year. */
  validForSeconds?: number;
  /** Sign with this CA instead of making a new one, e.g. for a replacement certificate. */
  ca?: CertificateAuthority;
  /** Default: 'ec' (ECDSA P-256). 'rsa' is RSA 2048. */
  keyType?: KeyType;
  commonName?: string;
}

/** Paths (in cert-manager's Secret layout: tls.crt, tls.key, ca.crt) and the PEM texts. */
export interface DevCerts {
  caCert: string;
  caKey: string;
  certFile: string;
  keyFile: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

const ONE_YEAR_SECONDS = 365 * 24 * 3600;
const CA_VALIDITY_DAYS = 3650;

/**
 * Writes a dev CA (unless `opts.ca` is given) and a serving certificate signed by it into `dir`.
 * Files are replaced by rename, key first, so a watcher never reads a half-written file.
 */
export async function makeDevCerts(dir: string, opts: MakeDevCertsOptions = {}): Promise<DevCerts> {
  const outDir = resolve(dir);
  await mkdir(outDir, { recursive: true });
  const work = await mkdtemp(join(outDir, '.make-dev-certs-'));
  try {
    const ca = opts.ca ?? (await makeCa(work, opts.keyType ?? 'ec'));
    await signServingCert(work, ca, opts);
    return await install(work, outDir, ca, opts.ca === undefined);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function makeCa(work: string, keyType: KeyType): Promise<CertificateAuthority> {
  const caKey = join(work, 'ca.key');
  const caCert = join(work, 'ca.crt');
  await generateKey(caKey, keyType);
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-sha256',
    '-days',
    String(CA_VALIDITY_DAYS),
    '-subj',
    `/CN=stow-dev-ca-${Date.now()}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    caCert,
  ]);
  return { caCert, caKey };
}

async function signServingCert(
  work: string,
  ca: CertificateAuthority,
  opts: MakeDevCertsOptions,
): Promise<void> {
  const keyType = opts.keyType ?? 'ec';
  const notBefore = opts.notBefore ?? new Date(Date.now() - 3600_000);
  const notAfter = new Date(notBefore.getTime() + (opts.validForSeconds ?? ONE_YEAR_SECONDS) * 1000);
  await generateKey(join(work, 'tls.key'), keyType);
  await openssl(
    ['req', '-new', '-key', 'tls.key', '-subj', `/CN=${opts.commonName ?? 'localhost'}`, '-out', 'tls.csr'],
    work,
  );
  // `openssl ca` rather than `x509 -req`: only it takes exact start and end times (OpenSSL 3.0).
  await writeFile(join(work, 'index.txt'), '');
  await writeFile(join(work, 'serial'), `${randomSerial()}\n`);
  await writeFile(join(work, 'ca.cnf'), caConfig(keyType, ['127.0.0.1', 'localhost', ...(opts.hosts ?? [])]));
  await openssl(
    [
      'ca',
      '-batch',
      '-notext',
      '-config',
      'ca.cnf',
      '-cert',
      resolve(ca.caCert),
      '-keyfile',
      resolve(ca.caKey),
      '-outdir',
      '.',
      '-startdate',
      asn1Time(notBefore),
      '-enddate',
      asn1Time(notAfter),
      '-in',
      'tls.csr',
      '-out',
      'tls.crt',
    ],
    work,
  );
}

function caConfig(keyType: KeyType, hosts: string[]): string {
  const unique = [...new Set(hosts)];
  const altNames = unique.map((host, i) => `${isIP(host) ? 'IP' : 'DNS'}.${i + 1} = ${host}`);
  const keyUsage = keyType === 'rsa' ? 'digitalSignature, keyEncipherment' : 'digitalSignature';
  return [
    '[ca]',
    'default_ca = dev',
    '[dev]',
    'database = index.txt',
    'serial = serial',
    'default_md = sha256',
    'policy = policy_any',
    'unique_subject = no',
    'email_in_dn = no',
    'x509_extensions = serving',
    '[policy_any]',
    'commonName = supplied',
    '[serving]',
    'basicConstraints = critical, CA:FALSE',
    `keyUsage = critical, ${keyUsage}`,
    'extendedKeyUsage = serverAuth, clientAuth',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid:always',
    'subjectAltName = @alt_names',
    '[alt_names]',
    ...altNames,
    '',
  ].join('\n');
}

async function generateKey(path: string, keyType: KeyType): Promise<void> {
  const algorithm =
    keyType === 'rsa'
      ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
      : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await openssl(['genpkey', ...algorithm, '-out', path]);
  await chmod(path, 0o600);
}

async function install(
  work: string,
  outDir: string,
  ca: CertificateAuthority,
  madeCa: boolean,
): Promise<DevCerts> {
  const caKey = madeCa ? join(outDir, 'ca.key') : resolve(ca.caKey);
  const files = {
    keyFile: join(outDir, 'tls.key'),
    certFile: join(outDir, 'tls.crt'),
    caCert: join(outDir, 'ca.crt'),
  };
  if (madeCa) await rename(ca.caKey, caKey);
  else await copyFile(ca.caCert, join(work, 'ca.crt'));
  await rename(join(work, 'tls.key'), files.keyFile);
  await rename(join(work, 'tls.crt'), files.certFile);
  await rename(join(work, 'ca.crt'), files.caCert);
  const [caPem, certPem, keyPem] = await Promise.all(
    [files.caCert, files.certFile, files.keyFile].map((file) => readFile(file, 'utf8')),
  );
  return { ...files, caKey, caPem: caPem!, certPem: certPem!, keyPem: keyPem! };
}

/** 16 random bytes, top bit clear so the DER integer stays positive. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function asn1Time(date: Date): string {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${date.getUTCFullYear() < 2050 ? iso.slice(2) : iso}Z`;
}
