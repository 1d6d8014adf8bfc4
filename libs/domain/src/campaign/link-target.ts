export interface LinkTargetVerdict {
  readonly allowed: boolean;
  readonly reason?: string;
}

// The URL parser silently drops tabs, newlines and surrounding spaces, so the stored string would
// differ from what was checked; refusing them keeps "what we checked" and "what we render" the same.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const WHITESPACE_OR_CONTROL = /[\u0000-\u0020\u007f]/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
// An allowed domain is a bare host name; anything else could smuggle a different host past the parser.
const BARE_HOST = /^[^\s/\\?#@:[\]%]+$/;

const deny = (reason: string): LinkTargetVerdict => ({ allowed: false, reason });

const withoutTrailingDot = (host: string): string => (host.endsWith('.') ? host.slice(0, -1) : host);

/** Parses an allowed domain the way the URL parser parses hosts (lowercase, punycode), or drops it. */
const normalisedDomain = (domain: string): string | undefined => {
  if (!BARE_HOST.test(domain)) return undefined;
  try {
    return withoutTrailingDot(new URL(`https://${domain}/`).hostname) || undefined;
  } catch {
    return undefined;
  }
};

/**
 * Whether an outbound ad link may point at `url`: an absolute https URL, without user information or
 * a non-default port, whose host is one of `allowedDomains` or a subdomain of one. Shared by campaign
 * decisions and the link-permission query so both draw the line in the same place.
 */
export const linkTargetAllowed = (url: string, allowedDomains: readonly string[]): LinkTargetVerdict => {
  if (WHITESPACE_OR_CONTROL.test(url)) return deny('The link must not contain spaces or control characters.');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return deny('The link is not an absolute URL; write it in full, starting with https://.');
  }
  if (parsed.protocol !== 'https:') return deny('Only https links are allowed.');
  if (parsed.username !== '' || parsed.password !== '') {
    return deny('The link must not contain user information (anything before an @ in the address).');
  }
  // The parser empties `port` when it is the scheme's default, so any value here is a non-443 port.
  if (parsed.port !== '') return deny('The link must not name a port other than 443.');
  const host = withoutTrailingDot(parsed.hostname);
  if (IPV4.test(host) || host.startsWith('[')) return deny('The link must name a domain, not an IP address.');
  const matches = allowedDomains
    .map(normalisedDomain)
    .some((domain) => domain !== undefined && (host === domain || host.endsWith(`.${domain}`)));
  return matches ? { allowed: true } : deny(`The host ${host} is not one of the platform's allowed domains.`);
};
