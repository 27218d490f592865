/*
 * Language tags (BCP 47) as the player compares and names them. Pure: no DOM.
 * A profile's preference matches a track's LANGUAGE exactly, else by the
 * language alone ("pt" and "pt-BR", "en-US" and "en-GB").
 */

/** The language subtag of ``tag``, lower case: "pt" for "pt-BR". */
export function primaryLanguage(tag) {
  return String(tag || "").split("-")[0].toLowerCase();
}

/** The index in ``tags`` that matches ``wanted``: exact, else same language; -1. */
export function matchLanguage(tags, wanted) {
  if (!wanted) return -1;
  const lower = String(wanted).toLowerCase();
  const exact = tags.findIndex((tag) => String(tag || "").toLowerCase() === lower);
  if (exact >= 0) return exact;
  const language = primaryLanguage(wanted);
  return tags.findIndex((tag) => tag && primaryLanguage(tag) === language);
}

/**
 * A function naming a tag in ``locale`` ("fr" -> "French"), or "" when it
 * cannot: an unknown, undetermined ("und") or malformed tag, or no Intl.
 */
export function languageNamer(locale, intl = globalThis.Intl) {
  const options = { type: "language", fallback: "none" };
  let names = null;
  for (const locales of [[locale || "en", "en"], ["en"]]) {
    try {
      names = intl && intl.DisplayNames ? new intl.DisplayNames(locales, options) : null;
      break;
    } catch {
      names = null; // a malformed locale: try English alone
    }
  }
  return (tag) => {
    if (!names || !tag || primaryLanguage(tag) === "und") return "";
    try {
      return names.of(tag) || "";
    } catch {
      return ""; // not a well-formed tag
    }
  };
}
