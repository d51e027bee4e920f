// What tests of hostile text look for in what a channel sends.

/** Control, format, surrogate and separator characters other than tab, line feed and the (non-)joiners: none may reach anyone. */
export const INVISIBLE = /(?![\t\n\u200C\u200D])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** ASCII punctuation: all of CommonMark's markup characters. */
const PUNCTUATION = "[!-/:-@[-`{-~]";

/** `markdown` without its backslash escapes: what a CommonMark renderer shows. */
export function shownByMarkdown(markdown: string): string {
  return markdown.replace(new RegExp(`\\\\(${PUNCTUATION})`, "g"), "$1");
}

/** Whether some markup character in `markdown` is not escaped. */
export function hasUnescapedMarkup(markdown: string): boolean {
  return new RegExp(PUNCTUATION).test(markdown.replace(new RegExp(`\\\\${PUNCTUATION}`, "g"), ""));
}

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

/** Every string of a Teams webhook message (its card's texts and facts), one a line, as a CommonMark renderer shows them. */
export function shownByCard(message: unknown): string {
  return shownByMarkdown(strings(message).join("\n"));
}
