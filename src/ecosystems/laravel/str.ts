/** Laravel's Str::slug(), close enough for config names (ASCII transliteration by Unicode decomposition). */
export function slug(title: string, separator = '-'): string {
  const ascii = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const flip = separator === '-' ? '_' : '-';
  let s = ascii.replace(new RegExp(`[${esc(flip)}]+`, 'g'), separator);
  s = s.replace(/@/g, `${separator}at${separator}`);
  s = s.toLowerCase().replace(new RegExp(`[^${esc(separator)}\\p{L}\\p{N}\\s]+`, 'gu'), '');
  s = s.replace(new RegExp(`[${esc(separator)}\\s]+`, 'gu'), separator);
  const edge = new RegExp(`^${esc(separator)}+|${esc(separator)}+$`, 'g');
  return separator ? s.replace(edge, '') : s.trim();
}
