// PostgreSQL's lexical rules for the two tokens Stow writes from user input (PostgreSQL docs, "SQL
// Syntax > Lexical Structure"), to read back what quoteIdentifier and quoteLiteral wrote without a
// server: a delimited identifier "…" ("" for a quote), a string constant '…' ('' for a quote), and
// an escape string constant E'…' (backslash escapes). Each reader returns the token's value and where
// the token ended, or undefined when the text does not start with one.

export interface Token {
  value: string;
  end: number;
}

function delimited(text: string, quote: string, from: number, backslashes: boolean): Token | undefined {
  if (text[from] !== quote) return undefined;
  let value = '';
  for (let i = from + 1; i < text.length; i++) {
    const c = text[i] as string;
    if (backslashes && c === '\\') {
      const next = text[i + 1];
      if (next === undefined) return undefined;
      value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
      i++;
    } else if (c === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i++;
      } else return { value, end: i + 1 };
    } else value += c;
  }
  return undefined;
}

export function readIdentifier(text: string, from = 0): Token | undefined {
  return delimited(text, '"', from, false);
}

export function readLiteral(text: string, from = 0): Token | undefined {
  if (text[from] === 'E' || text[from] === 'e') return delimited(text, "'", from + 1, true);
  return delimited(text, "'", from, false);
}
