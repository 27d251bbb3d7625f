import type { ServerResponse } from 'node:http';

/** Responses deliberately left unanswered; releasing one drops its connection without a reply. */
export class HeldResponses {
  private readonly held = new Set<ServerResponse>();

  get count(): number {
    return this.held.size;
  }

  hold(response: ServerResponse): void {
    this.held.add(response);
    response.on('close', () => this.held.delete(response));
  }

  releaseAll(): number {
    const released = this.held.size;
    for (const response of this.held) response.destroy();
    this.held.clear();
    return released;
  }
}
