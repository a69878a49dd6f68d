// client-node 1.x throws ApiException with the HTTP status in `code`; the watch layer
// uses `statusCode`. One helper reads either.
export function httpStatusOf(e: unknown): number | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const o = e as { code?: unknown; statusCode?: unknown };
  if (typeof o.code === 'number') return o.code;
  if (typeof o.statusCode === 'number') return o.statusCode;
  return undefined;
}

export const isNotFound = (e: unknown) => httpStatusOf(e) === 404;
export const isConflict = (e: unknown) => httpStatusOf(e) === 409;
