import { invalidParameterValue, missingParameter } from './errors.js';

/**
 * Typed reads over an awsQuery form body. Lists arrive as `Name.<member>.N[.Field]`, where the SDK
 * writes the member's XML name (`Tags.Tag.1.Key`, `VpcSecurityGroupIds.VpcSecurityGroupId.1`) or
 * `member` when it has none (`TagKeys.member.1`); any member segment is accepted.
 */
export class QueryParams {
  private readonly scalars = new Map<string, string>();
  private readonly nested = new Map<string, Array<[string, string]>>();

  constructor(entries: Iterable<[string, string]>) {
    for (const [key, value] of entries) {
      const dot = key.indexOf('.');
      if (dot === -1) {
        this.scalars.set(key, value);
        continue;
      }
      const head = key.slice(0, dot);
      let group = this.nested.get(head);
      if (!group) {
        group = [];
        this.nested.set(head, group);
      }
      group.push([key.slice(dot + 1), value]);
    }
  }

  static fromForm(body: string): QueryParams {
    return new QueryParams(new URLSearchParams(body));
  }

  has(name: string): boolean {
    return this.scalars.has(name) || this.nested.has(name);
  }

  string(name: string): string | undefined {
    return this.scalars.get(name);
  }

  requiredString(name: string): string {
    const value = this.scalars.get(name);
    if (value === undefined || value === '') throw missingParameter(name);
    return value;
  }

  integer(name: string): number | undefined {
    const raw = this.scalars.get(name);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) throw invalidParameterValue(`Invalid value ${raw} for parameter ${name}.`);
    return Number(raw);
  }

  boolean(name: string): boolean | undefined {
    const raw = this.scalars.get(name);
    if (raw === undefined) return undefined;
    const lower = raw.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    throw invalidParameterValue(`Invalid value ${raw} for parameter ${name}; expected true or false.`);
  }

  /** A list of strings; `undefined` when the list was not sent at all. */
  list(name: string): string[] | undefined {
    const group = this.nested.get(name);
    if (!group) return this.scalars.has(name) ? [] : undefined;
    const items: Array<[number, string]> = [];
    for (const [rest, value] of group) {
      const match = /^[^.]+\.(\d+)$/.exec(rest);
      if (match) items.push([Number(match[1]), value]);
    }
    return items.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
  }

  /** A list of structures, each read through its own `QueryParams`. */
  structList(name: string): QueryParams[] | undefined {
    const group = this.nested.get(name);
    if (!group) return this.scalars.has(name) ? [] : undefined;
    const members = new Map<number, Array<[string, string]>>();
    for (const [rest, value] of group) {
      const match = /^[^.]+\.(\d+)\.(.+)$/.exec(rest);
      if (!match) continue;
      const index = Number(match[1]);
      let fields = members.get(index);
      if (!fields) {
        fields = [];
        members.set(index, fields);
      }
      fields.push([match[2]!, value]);
    }
    return [...members.entries()].sort((a, b) => a[0] - b[0]).map(([, fields]) => new QueryParams(fields));
  }
}
