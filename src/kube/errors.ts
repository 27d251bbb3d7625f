import { KubeApiError } from './client.js';

/** The HTTP status of a failed Kubernetes API call, or undefined for a network error. */
export function statusCode(error: unknown): number | undefined {
  return error instanceof KubeApiError ? error.statusCode : undefined;
}

/** The API server's own message (its Status object), not the client's dump of headers and body. */
export function kubeErrorMessage(error: unknown): string {
  if (error instanceof KubeApiError) return error.serverMessage;
  return error instanceof Error ? error.message : String(error);
}
