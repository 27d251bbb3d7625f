import { createHash, X509Certificate, createPrivateKey } from 'node:crypto';
import { type FSWatcher, readFileSync, watch } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../util/logger.js';

export interface KeyPair {
  cert: string;
  key: string;
  notAfter: Date;
}

export class CertificateError extends Error {
  override name = 'CertificateError';
}

/** Reads tls.crt/tls.key (cert-manager's Secret layout) and checks that they belong together. */
export function readKeyPair(dir: string): KeyPair {
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(join(dir, 'tls.crt'), 'utf8');
    key = readFileSync(join(dir, 'tls.key'), 'utf8');
  } catch (error) {
    throw new CertificateError(
      `cannot read tls.crt/tls.key in ${dir}: ${(error as Error).message}. Point --tls-dir at cert-manager's ` +
        `Secret mount, or make a development pair with certs/make-dev-certs.sh ${dir}`,
    );
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new CertificateError(
      `${join(dir, 'tls.crt')} is not a PEM certificate: ${(error as Error).message}`,
    );
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new CertificateError(`${join(dir, 'tls.key')} is not a PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new CertificateError(
      `tls.key in ${dir} does not match the public key of tls.crt (${x509.subject})`,
    );
  }
  return { cert, key, notAfter: new Date(x509.validTo) };
}

function fingerprint(pair: KeyPair): string {
  return createHash('sha256').update(pair.cert).update(pair.key).digest('hex');
}

export interface CertWatcherOptions {
  dir: string;
  onChange: (pair: KeyPair) => void;
  logger: Logger;
  /** Mounted Secrets change by symlink swap, which fs.watch can miss: poll as well. */
  pollIntervalMs?: number;
}

/**
 * Watches the certificate folder and also polls; a new pair is validated before it is used, and
 * on any error the last good pair stays in service.
 */
export class CertWatcher {
  private current: string;
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  readonly initial: KeyPair;

  constructor(private readonly options: CertWatcherOptions) {
    this.initial = readKeyPair(options.dir);
    this.current = fingerprint(this.initial);
  }

  start(): void {
    try {
      this.watcher = watch(this.options.dir, () => this.scheduleCheck());
      this.watcher.on('error', () => undefined);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cannot watch the certificate folder; polling only');
    }
    this.timer = setInterval(() => this.check(), this.options.pollIntervalMs ?? 10_000);
    this.timer.unref();
  }

  stop(): void {
    this.watcher?.close();
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }

  private scheduleCheck(): void {
    clearTimeout(this.debounce);
    // Writers replace tls.crt and tls.key one after the other; wait for both.
    this.debounce = setTimeout(() => this.check(), 100);
    this.debounce.unref();
  }

  check(): void {
    let pair: KeyPair;
    try {
      pair = readKeyPair(this.options.dir);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'new TLS key pair rejected; keeping the last good one');
      return;
    }
    const next = fingerprint(pair);
    if (next === this.current) return;
    this.options.onChange(pair);
    this.current = next;
    this.options.logger.info({ notAfter: pair.notAfter.toISOString() }, 'TLS certificate reloaded');
  }
}
