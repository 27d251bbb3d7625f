import type { Registry } from 'prom-client';
import { gauge } from '../util/metrics.js';

/**
 * `stow_webhook_certificate_expiration_timestamp_seconds`: when the certificate the webhook server
 * serves expires, in Unix seconds, as cert-manager reports its Certificates. Read from the certificate
 * in service, so a renewed one that never reached the pod still shows.
 */
export function servingCertificateExpiry(registry: Registry): (notAfter: Date) => void {
  const expiry = gauge(
    registry,
    'webhook_certificate_expiration_timestamp_seconds',
    'When the certificate the webhook server serves expires (Unix time, seconds)',
    [],
  );
  return (notAfter) => expiry.set(notAfter.getTime() / 1000);
}
