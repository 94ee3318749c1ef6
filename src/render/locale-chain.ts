/**
 * Which template files a language picks, most specific first: `de-AT` reads
 * `*.de-AT.*.hbs`, then `*.de.*.hbs` (the default files come after the chain).
 * Extensions (`-u-…`, `-x-…`) never name files, so they are dropped first.
 */
export function localeChain(locale: string | null): string[] {
  if (locale == null || locale === '') return [];
  const subtags: string[] = [];
  for (const s of locale.split('-')) {
    if (s.length === 1) break; // a singleton starts an extension or private use
    subtags.push(s);
  }
  const chain: string[] = [];
  for (let n = subtags.length; n > 0; n--) chain.push(subtags.slice(0, n).join('-'));
  return chain;
}
