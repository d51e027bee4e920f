// Text that reaches people through a channel, made inert for that channel.
// Much of it is not ours: justifications, tickets, deny reasons, names and UPNs from the directory,
// cluster names. Whatever the channel, characters that show nothing or reorder the text around them
// (controls, bidi overrides and isolates, zero-width and other format characters) are shown as
// `[U+202E]` instead of acting, so that a name cannot read backwards or hide a second line. Then
// each channel writes its own markup characters so that they show as themselves: no part of a
// message is ever meant as markup, so a card or page shows exactly the words of the message.

/** Where text is shown: plain text (the email's subject, the simulated outbox), a Teams card, HTML. */
export type Channel = "text" | "markdown" | "html";

interface ChannelRules {
  /** The channel's markup characters. */
  readonly markup: RegExp | undefined;
  /** How one of them is written to show as itself. */
  readonly literal: (char: string) => string;
  /** What a line break becomes. */
  readonly lineBreak: string;
}

const HTML_MARKUP = /[&<>"']/g;
const HTML_ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const htmlLiteral = (char: string): string => HTML_ENTITIES[char]!;

const CHANNELS: { readonly [C in Channel]: ChannelRules } = {
  text: { markup: undefined, literal: (char) => char, lineBreak: "\n" },
  // Adaptive Cards read TextBlocks and facts as Markdown, which Teams hosts render with different
  // parsers. CommonMark lets any ASCII punctuation be escaped with a backslash and then shows it as
  // itself; escaping all of it leaves no link, image, emphasis, heading, list, code, HTML tag,
  // entity or autolink (an escaped `:`, `.` or `@` splits what a linkifier would match), nor a
  // `{{DATE(…)}}` function. A renderer that ignores escapes shows the backslashes, which is inert
  // too. A single line break is only a space in Markdown: a blank line keeps the message's lines.
  markdown: { markup: /[!-/:-@[-`{-~]/g, literal: (char) => `\\${char}`, lineBreak: "\n\n" },
  html: { markup: HTML_MARKUP, literal: htmlLiteral, lineBreak: "<br>" },
};

/**
 * Control (Cc), format (Cf) and line or paragraph separator (Zl, Zp) characters, except tab and
 * line breaks (which channels keep) and the zero-width joiner and non-joiner (which emoji and
 * several scripts need to be spelt right). Bidi controls (U+202A–U+202E, U+2066–U+2069, U+200E,
 * U+200F, U+061C) are format characters, as are zero-width spaces, word joiners, the BOM and the
 * tag characters that can smuggle invisible ASCII. Lone surrogates (Cs) too: no encoding carries them.
 */
const INVISIBLE = /(?![\t\n\r\u200C\u200D])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

const LINE_BREAK = /\r\n?|\n/g;

/** `[U+202E]`: the character named instead of acting. */
function visible(char: string): string {
  return `[U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}]`;
}

/** `text` as `channel` shows it, inert. */
export function neutralise(text: string, channel: Channel): string {
  const rules = CHANNELS[channel];
  const shown = text.replace(INVISIBLE, visible);
  const literal = rules.markup ? shown.replace(rules.markup, rules.literal) : shown;
  return literal.replace(LINE_BREAK, rules.lineBreak);
}

/** `text` in HTML, as it is: for our own values (links, tokens, form actions), which need no more. */
export function escapeHtml(text: string): string {
  return text.replace(HTML_MARKUP, htmlLiteral);
}
