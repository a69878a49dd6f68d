// How old something is, in kubectl's AGE style.

/** kubectl's age style: "4s", "3m12s", "25m", "2h5m", "3d4h". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  const mins = Math.floor(s / 60);
  if (mins < 10) return `${mins}m${s % 60}s`;
  if (mins < 180) return `${mins}m`;
  const h = Math.floor(mins / 60);
  if (h < 48) return `${h}h${mins % 60 > 0 ? `${mins % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d${h % 24 > 0 ? `${h % 24}h` : ''}`;
}
