import { domainToASCII } from 'node:url';

import { isEmail } from 'class-validator';

/**
 * Characters refused anywhere in an address, because two addresses differing only by them look
 * the same to a person: controls (Cc), format characters (Cf: zero-width space, ZWJ/ZWNJ, word
 * joiner, soft hyphen, bidi controls, BOM, tags), line and paragraph separators (Zl, Zp), every
 * default-ignorable code point (variation selectors, Hangul fillers, the combining grapheme
 * joiner), spaces other than U+0020 (NFKC would turn most into one), the Braille blank, private
 * use, lone surrogates and unassigned code points (whose normalisation a later Unicode version
 * may change, moving an account's canonical form under it).
 */
const REFUSED_CHARACTER =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cs}\p{Cn}\p{Default_Ignorable_Code_Point}\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000\u2800]/u;

/** RFC 5322 §3.2.3 atext, with RFC 6531's non-ASCII characters: what a dot-atom local part may hold. */
const DOT_ATOM = /^(?:[\w!#$%&'*+\-/=?^`{|}~]|\P{ASCII})+(?:\.(?:[\w!#$%&'*+\-/=?^`{|}~]|\P{ASCII})+)*$/u;

/** Leading and trailing ASCII whitespace only: anything else at the ends is refused, not hidden. */
const SURROUNDING_SPACE = /^[ \t\r\n]+|[ \t\r\n]+$/g;

/** The address as the user typed it, less the surrounding whitespace a paste brings along. */
export function typedEmail(raw: string): string {
  return raw.replace(SURROUNDING_SPACE, '');
}

/** True when `raw` holds a character that is invisible, a control or a formatting code. */
export function hasRefusedCharacter(raw: string): boolean {
  return REFUSED_CHARACTER.test(typedEmail(raw));
}

/**
 * Full case folding of one code point. JavaScript has no case fold, and `toLowerCase()` is not
 * one: it keeps `ß` apart from `ss` and maps a word-final Σ to ς but an inner one to σ. Upper
 * then lower case, repeated until nothing changes (ẞ -> ß -> SS -> ss), one code point at a
 * time so no context rule applies, lands every member of a Unicode full case-folding class
 * (CaseFolding.txt, statuses C and F) on the same string: checked exhaustively against the
 * Unicode 17 data for all code points. The one pair it joins beyond case folding is dotless ı
 * with i, which can only refuse an account, never let two look alike.
 */
function foldCodePoint(c: string): string {
  let folded = c;
  for (;;) {
    const next = [...folded].map((x) => x.toUpperCase().toLowerCase()).join('');
    if (next === folded) {
      return folded;
    }
    folded = next;
  }
}

function caseFold(text: string): string {
  return [...text].map(foldCodePoint).join('');
}

/** NFKC then case folding, until stable (folding can undo a composition NFKC made). */
function foldLocalPart(local: string): string {
  let current = local.normalize('NFKC');
  for (;;) {
    const next = caseFold(current).normalize('NFKC');
    if (next === current) {
      return current;
    }
    current = next;
  }
}

/**
 * A quoted local part (RFC 5321 §4.1.2) stands for its content with quoted-pairs undone:
 * `"victim"` and `"vic\tim"` are `victim`. It stays quoted only when the content
 * needs it, and then in one spelling (only `"` and `\` escaped).
 */
function unquote(local: string): string {
  if (local.length < 2 || !local.startsWith('"') || !local.endsWith('"')) {
    return local;
  }
  const content = local.slice(1, -1).replace(/\\([\s\S])/g, '$1');
  return DOT_ATOM.test(content) ? content : `"${content.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * The one spelling of an address by which accounts are matched: two addresses a person would
 * read as the same have the same canonical form, and no two accounts share one.
 *
 * - Unicode NFKC (fullwidth `ｖ` is `v`, the ligature `ﬁ` is `fi`), then full case folding of
 *   the local part (`Victim`, `VICTIM` and `victim` are one; `straße` is `strasse`). RFC 5321
 *   §2.4 lets a mailbox be case-sensitive, but no provider hands out two mailboxes that differ
 *   only by case, and one that did would let a second person squat an account's address.
 * - A quoted local part that needs no quotes loses them: `"victim"` is `victim`.
 * - The domain in IDNA ASCII form (UTS #46, the WHATWG URL host rules through node's
 *   `domainToASCII`): `BÜCHER.example` is `xn--bcher-kva.example`.
 *
 * Undefined when the address has no canonical form: it holds a refused character (see
 * REFUSED_CHARACTER), it is not an address as typed, or its canonical form is not one.
 */
export function canonicalEmail(raw: string): string | undefined {
  const typed = typedEmail(raw);
  if (REFUSED_CHARACTER.test(typed) || !isEmail(typed)) {
    return undefined;
  }
  const email = typed.normalize('NFKC');
  const at = email.lastIndexOf('@');
  if (at <= 0) {
    return undefined;
  }
  const domain = domainToASCII(email.slice(at + 1));
  const canonical = `${foldLocalPart(unquote(email.slice(0, at)))}@${domain}`;
  if (domain === '' || REFUSED_CHARACTER.test(canonical) || !isEmail(canonical)) {
    return undefined;
  }
  return canonical;
}

/**
 * A key for what was typed in a sign-in, canonical whenever the address has a canonical form,
 * so every spelling of one account shares its counters. An address without one (refused at the
 * edge before it gets here) keys on its typed form.
 */
export function normalizeEmail(raw: string): string {
  return canonicalEmail(raw) ?? typedEmail(raw);
}
