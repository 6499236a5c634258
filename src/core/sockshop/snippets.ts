// Reads VS Code snippet files and expands a snippet body the way VS Code does when the user only
// presses Tab: every placeholder takes its default (`${1:x}` → x, `${1|a,b|}` → a), bare tab stops
// and variables become empty. Used to check that every snippet is valid YAML / Python and that the
// manifest snippets are accepted by an apiserver.

export interface Snippet {
  name: string;
  prefix: string[];
  body: string;
  description?: string;
}

/** Parses a .code-snippets file (JSON with comments allowed). */
export function parseSnippetFile(text: string): Snippet[] {
  const json = JSON.parse(stripJsonComments(text)) as Record<string, { prefix: string | string[]; body: string | string[]; description?: string }>;
  return Object.entries(json).map(([name, s]) => ({
    name,
    prefix: Array.isArray(s.prefix) ? s.prefix : [s.prefix],
    body: Array.isArray(s.body) ? s.body.join('\n') : s.body,
    description: s.description,
  }));
}

function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i += 2;
      while (i < text.length && !(text[i] === '*' && text[i + 1] === '/')) i++;
      i++;
    } else out += c;
  }
  return out;
}

/** Expands a snippet body with every placeholder at its default. */
export function expandSnippet(body: string): string {
  let i = 0;
  const parse = (stopAt: string | undefined): string => {
    let out = '';
    while (i < body.length) {
      const c = body[i];
      if (c === '\\' && i + 1 < body.length && '$}\\,|'.includes(body[i + 1])) {
        out += body[i + 1];
        i += 2;
        continue;
      }
      if (stopAt && c === stopAt) return out;
      if (c === '$') {
        const rest = body.slice(i + 1);
        let m = /^(\d+)/.exec(rest);
        if (m) {
          i += 1 + m[1].length; // $1: empty tab stop
          continue;
        }
        m = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
        if (m) {
          i += 1 + m[1].length; // $VARIABLE: unknown variables expand to their name in VS Code; ours use none
          out += '';
          continue;
        }
        if (rest.startsWith('{')) {
          i += 2;
          const head = /^(\d+|[A-Za-z_][A-Za-z0-9_]*)/.exec(body.slice(i));
          if (!head) throw new Error(`bad snippet syntax at ${i}: ${body.slice(i - 2, i + 20)}`);
          i += head[1].length;
          const next = body[i];
          if (next === '}') {
            i++;
            continue;
          }
          if (next === ':') {
            i++;
            const inner = parse('}');
            i++; // '}'
            out += inner;
            continue;
          }
          if (next === '|') {
            i++;
            const end = body.indexOf('|}', i);
            if (end < 0) throw new Error('unterminated choice');
            const choices = body.slice(i, end).split(/(?<!\\),/);
            out += choices[0].replace(/\\(.)/g, '$1');
            i = end + 2;
            continue;
          }
          if (next === '/') {
            // ${VAR/regex/format/}: a transform; skip it (ours use none).
            const end = body.indexOf('}', i);
            i = end + 1;
            continue;
          }
          throw new Error(`bad snippet syntax at ${i}: ${body.slice(i - 5, i + 20)}`);
        }
      }
      out += c;
      i++;
    }
    return out;
  };
  return parse(undefined);
}

/** Every choice list in a body, e.g. [['kill-all','fixed',...]]. */
export function snippetChoices(body: string): string[][] {
  return [...body.matchAll(/\$\{\d+\|((?:[^|\\]|\\.)*)\|\}/g)].map((m) => m[1].split(/(?<!\\),/));
}
