/** Where the API server finds a webhook: a URL (local runs and tests) or a Service in the cluster. */
export interface WebhookTarget {
  /** URL mode (local runs and tests): https://127.0.0.1:PORT */
  url?: string | undefined;
  service?: { namespace: string; name: string; port?: number } | undefined;
  /** Base64 PEM of the CA that signed the webhook's certificate. */
  caBundle?: string | undefined;
}

/** The `clientConfig` of a webhook (admission or conversion) at `path` of the target. */
export function webhookClientConfig(target: WebhookTarget, path: string): Record<string, unknown> {
  return {
    ...(target.url
      ? { url: `${target.url.replace(/\/$/, '')}${path}` }
      : { service: { ...target.service, path } }),
    ...(target.caBundle ? { caBundle: target.caBundle } : {}),
  };
}
