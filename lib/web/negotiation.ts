import Negotiator from 'negotiator';

type Encoding = (available: readonly string[], options: { preferred: readonly string[] }) => string | undefined;

/**
 * The content coding to use of those `available` (listed in the server's order of preference),
 * as the client's `Accept-Encoding` ranks them (RFC 9110 §12.5.3), with jshttp's `negotiator`:
 * q-values honoured, `q=0` meaning "not acceptable", `*` matching any coding not named,
 * `identity` acceptable unless refused; between codings the client ranks equally (browsers send
 * `gzip, deflate, br` without q-values), the server's order. Undefined when none is acceptable.
 */
export function preferredEncoding(acceptEncoding: string | undefined, available: readonly string[]): string | undefined {
  const negotiator = new Negotiator({ headers: { 'accept-encoding': acceptEncoding ?? '' } });
  return (negotiator.encoding as unknown as Encoding).call(negotiator, available, { preferred: available });
}

const DYNAMIC = ['gzip', 'identity'] as const;

/** Whether to gzip a response on the fly for a request with this `Accept-Encoding`. */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return Boolean(acceptEncoding) && preferredEncoding(acceptEncoding, DYNAMIC) === 'gzip';
}
