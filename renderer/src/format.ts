/** Small display helpers shared by the screens. */
export { formatBytes } from '../../shared/format.ts';

export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)}B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}K`;
  return String(value);
}

export function formatDate(iso: string | null | undefined, language: string): string {
  if (!iso) return '–';
  return new Date(iso).toLocaleString(language, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}
