const xmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (c) => xmlEscapes[c]!) : text;
}

export type XmlScalar = string | number | boolean | Date | undefined | null;

/** `<name>value</name>`, or nothing when the value is absent. */
export function element(name: string, value: XmlScalar): string {
  if (value === undefined || value === null) return '';
  const text = value instanceof Date ? value.toISOString() : escapeXml(String(value));
  return `<${name}>${text}</${name}>`;
}

/** `<name>inner</name>` around already-rendered XML. */
export function wrap(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

/** A non-flattened awsQuery list: `<name><member>…</member>…</name>`. */
export function list<T>(
  name: string,
  memberName: string,
  items: Iterable<T>,
  render: (item: T) => string,
): string {
  let inner = '';
  for (const item of items) inner += wrap(memberName, render(item));
  return wrap(name, inner);
}
