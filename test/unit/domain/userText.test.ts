// Each trick someone could put in a justification, a ticket, a reason or a directory name, through
// each channel's neutraliser: what comes out shows the words and does nothing else.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeHtml, neutralise } from "../../../src/domain/userText.js";
import { hasUnescapedMarkup, INVISIBLE, shownByMarkdown } from "../../support/text.js";

const TRICKS: readonly {
  readonly trick: string;
  readonly input: string;
  readonly text: string;
  readonly markdown: string;
  readonly html: string;
}[] = [
  {
    trick: "a Markdown link",
    input: "[Approve here](https://evil.example)",
    text: "[Approve here](https://evil.example)",
    markdown: "\\[Approve here\\]\\(https\\:\\/\\/evil\\.example\\)",
    html: "[Approve here](https://evil.example)",
  },
  {
    trick: "a Markdown image",
    input: "![logo](https://evil.example/p.png)",
    text: "![logo](https://evil.example/p.png)",
    markdown: "\\!\\[logo\\]\\(https\\:\\/\\/evil\\.example\\/p\\.png\\)",
    html: "![logo](https://evil.example/p.png)",
  },
  {
    trick: "bold and italics",
    input: "**URGENT** _now_ ~~never~~",
    text: "**URGENT** _now_ ~~never~~",
    markdown: "\\*\\*URGENT\\*\\* \\_now\\_ \\~\\~never\\~\\~",
    html: "**URGENT** _now_ ~~never~~",
  },
  {
    trick: "a heading, lists and a quote at the start of lines",
    input: "# Approved\n- by the CISO\n1. now\n+ later\n> quoted",
    text: "# Approved\n- by the CISO\n1. now\n+ later\n> quoted",
    markdown: "\\# Approved\n\n\\- by the CISO\n\n1\\. now\n\n\\+ later\n\n\\> quoted",
    html: "# Approved<br>- by the CISO<br>1. now<br>+ later<br>&gt; quoted",
  },
  {
    trick: "code",
    input: "`rm -rf /`",
    text: "`rm -rf /`",
    markdown: "\\`rm \\-rf \\/\\`",
    html: "`rm -rf /`",
  },
  {
    trick: "HTML tags, a Teams mention and an entity",
    input: '<a href="https://evil.example">Approve</a> <at>Bob</at> &amp;',
    text: '<a href="https://evil.example">Approve</a> <at>Bob</at> &amp;',
    markdown: '\\<a href\\=\\"https\\:\\/\\/evil\\.example\\"\\>Approve\\<\\/a\\> \\<at\\>Bob\\<\\/at\\> \\&amp\\;',
    html: "&lt;a href=&quot;https://evil.example&quot;&gt;Approve&lt;/a&gt; &lt;at&gt;Bob&lt;/at&gt; &amp;amp;",
  },
  {
    trick: "URLs and an email address a linkifier would pick up",
    input: "see https://evil.example, <https://evil.example>, www.evil.example or mallory@evil.example",
    text: "see https://evil.example, <https://evil.example>, www.evil.example or mallory@evil.example",
    markdown:
      "see https\\:\\/\\/evil\\.example\\, \\<https\\:\\/\\/evil\\.example\\>\\, www\\.evil\\.example or mallory\\@evil\\.example",
    html: "see https://evil.example, &lt;https://evil.example&gt;, www.evil.example or mallory@evil.example",
  },
  {
    trick: "an Adaptive Card date function",
    input: "{{DATE(2026-11-28T10:00:00Z, SHORT)}}",
    text: "{{DATE(2026-11-28T10:00:00Z, SHORT)}}",
    markdown: "\\{\\{DATE\\(2026\\-11\\-28T10\\:00\\:00Z\\, SHORT\\)\\}\\}",
    html: "{{DATE(2026-11-28T10:00:00Z, SHORT)}}",
  },
  {
    trick: "a right-to-left override (U+202E)",
    input: "invoice\u202Efdp.exe",
    text: "invoice[U+202E]fdp.exe",
    markdown: "invoice\\[U\\+202E\\]fdp\\.exe",
    html: "invoice[U+202E]fdp.exe",
  },
  {
    trick: "bidi isolates, marks and the Arabic letter mark",
    input: "a\u2066b\u2069c\u2067d\u2068e\u200Ef\u200Fg\u061Ch\u202Ai\u202Bj\u202Ck\u202Dl",
    text: "a[U+2066]b[U+2069]c[U+2067]d[U+2068]e[U+200E]f[U+200F]g[U+061C]h[U+202A]i[U+202B]j[U+202C]k[U+202D]l",
    markdown:
      "a\\[U\\+2066\\]b\\[U\\+2069\\]c\\[U\\+2067\\]d\\[U\\+2068\\]e\\[U\\+200E\\]f\\[U\\+200F\\]g\\[U\\+061C\\]h" +
      "\\[U\\+202A\\]i\\[U\\+202B\\]j\\[U\\+202C\\]k\\[U\\+202D\\]l",
    html: "a[U+2066]b[U+2069]c[U+2067]d[U+2068]e[U+200E]f[U+200F]g[U+061C]h[U+202A]i[U+202B]j[U+202C]k[U+202D]l",
  },
  {
    trick: "NUL, an ANSI escape sequence, DEL and form feed",
    input: "a\u0000b\u001B[31mred\u007F\u000Cc",
    text: "a[U+0000]b[U+001B][31mred[U+007F][U+000C]c",
    markdown: "a\\[U\\+0000\\]b\\[U\\+001B\\]\\[31mred\\[U\\+007F\\]\\[U\\+000C\\]c",
    html: "a[U+0000]b[U+001B][31mred[U+007F][U+000C]c",
  },
  {
    trick: "C1 controls (next line, control sequence introducer)",
    input: "a\u0085b\u009B31mc",
    text: "a[U+0085]b[U+009B]31mc",
    markdown: "a\\[U\\+0085\\]b\\[U\\+009B\\]31mc",
    html: "a[U+0085]b[U+009B]31mc",
  },
  {
    trick: "zero-width and invisible characters, line separators, tag characters and a lone surrogate",
    input: "bob\u200B@contoso\u2060.dev\uFEFF\u00AD\u2028\u2029\u{E0041}\uD800",
    text: "bob[U+200B]@contoso[U+2060].dev[U+FEFF][U+00AD][U+2028][U+2029][U+E0041][U+D800]",
    markdown:
      "bob\\[U\\+200B\\]\\@contoso\\[U\\+2060\\]\\.dev\\[U\\+FEFF\\]\\[U\\+00AD\\]\\[U\\+2028\\]\\[U\\+2029\\]\\[U\\+E0041\\]\\[U\\+D800\\]",
    html: "bob[U+200B]@contoso[U+2060].dev[U+FEFF][U+00AD][U+2028][U+2029][U+E0041][U+D800]",
  },
  {
    trick: "nothing at all: words, accents, emoji with joiners, tabs",
    input: "Zoë fixes 👩‍💻 in می‌خواهم\tnow",
    text: "Zoë fixes 👩‍💻 in می‌خواهم\tnow",
    markdown: "Zoë fixes 👩‍💻 in می‌خواهم\tnow",
    html: "Zoë fixes 👩‍💻 in می‌خواهم\tnow",
  },
  {
    trick: "line breaks of every kind",
    input: "one\r\ntwo\rthree\nfour",
    text: "one\ntwo\nthree\nfour",
    markdown: "one\n\ntwo\n\nthree\n\nfour",
    html: "one<br>two<br>three<br>four",
  },
  {
    trick: "a backslash of its own",
    input: "C:\\temp\\*",
    text: "C:\\temp\\*",
    markdown: "C\\:\\\\temp\\\\\\*",
    html: "C:\\temp\\*",
  },
];

describe("neutralised text", () => {
  it.each(TRICKS)("$trick", ({ input, text, markdown, html }) => {
    expect(neutralise(input, "text")).toBe(text);
    expect(neutralise(input, "markdown")).toBe(markdown);
    expect(neutralise(input, "html")).toBe(html);
  });

  it("escapes our own values for HTML, and only that", () => {
    expect(escapeHtml(`<a href="x">'&'</a>\u202E`)).toBe("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;\u202E");
  });

  const shownByHtml = (html: string) =>
    html
      .replace(/<br>/g, "\n")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, "&");
  const tricky = fc.constantFrom(..."[]()!*_`#<>&\\-+.:@{}\n\r\t\u202E\u0000\u200B\u200D");
  const anyText = fc.string({ unit: fc.oneof(tricky, fc.string({ unit: "binary", minLength: 1, maxLength: 1 })) });

  it("leaves no markup unescaped, and shows on every channel the same words as plain text", () => {
    fc.assert(
      fc.property(anyText, (input) => {
        const plain = neutralise(input, "text");
        const markdown = neutralise(input, "markdown");
        expect(hasUnescapedMarkup(markdown)).toBe(false);
        expect(shownByMarkdown(markdown).replace(/\n\n/g, "\n")).toBe(plain);
        expect(shownByHtml(neutralise(input, "html"))).toBe(plain);
        expect(plain).not.toMatch(INVISIBLE);
      }),
      { numRuns: 300 },
    );
  });
});
