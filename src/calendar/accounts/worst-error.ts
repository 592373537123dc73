/** The worst of a user's binding errors: a stopped run before a failed object; null when none. */
export function worstError(errors: (string | null)[]): string | null {
  const present = errors.filter((e): e is string => !!e);
  return present.find((e) => !/^\d+ object\(s\) failed/.test(e)) ?? present[0] ?? null;
}
