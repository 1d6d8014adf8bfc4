import { linkTargetAllowed } from './link-target';

const domains = ['taobao.com', 'tmall.com'];

describe('linkTargetAllowed', () => {
  it.each([
    ['the exact host', 'https://taobao.com/item/1'],
    ['a subdomain', 'https://shop.taobao.com/item/1'],
    ['a deeper subdomain', 'https://a.b.tmall.com/'],
    ['an uppercase host and scheme', 'HTTPS://SHOP.TAOBAO.COM/item'],
    ['a trailing dot on the host', 'https://taobao.com./item'],
    ['the default port written out', 'https://taobao.com:443/item'],
  ])('allows %s', (_case, url) => expect(linkTargetAllowed(url, domains)).toEqual({ allowed: true }));

  it.each([
    ['a look-alike suffix', 'https://eviltaobao.com/'],
    ['an allowed domain used as a subdomain', 'https://taobao.com.evil.io/'],
    ['an encoded dot that turns the host into another domain', 'https://taobao.com%2eevil.io/'],
    ['an allowed domain as user information', 'https://taobao.com@evil.io/'],
    ['user and password', 'https://user:pw@taobao.com/'],
    ['http', 'http://taobao.com/'],
    ['javascript', 'javascript:alert(document.cookie)//taobao.com'],
    ['a relative URL', '/item/1'],
    ['an explicit other port', 'https://taobao.com:8443/'],
    ['an IPv4 host', 'https://1.2.3.4/'],
    ['an IPv4 host in hex', 'https://0x7f.1/'],
    ['an IPv6 host', 'https://[::1]/'],
    ['a tab the parser would silently drop', 'https://tao\tbao.com/'],
    ['surrounding spaces', ' https://taobao.com/ '],
  ])('refuses %s', (_case, url) => {
    const verdict = linkTargetAllowed(url, domains);
    expect(verdict.allowed).toBe(false);
    expect(verdict.reason).toEqual(expect.any(String));
  });

  it('explains which rule the link breaks', () => {
    expect(linkTargetAllowed('http://taobao.com/', domains).reason).toMatch(/https/);
    expect(linkTargetAllowed('https://user:pw@taobao.com/', domains).reason).toMatch(/user information/);
    expect(linkTargetAllowed('https://taobao.com:8443/', domains).reason).toMatch(/port/);
    expect(linkTargetAllowed('https://1.2.3.4/', ['1.2.3.4']).reason).toMatch(/IP address/);
    expect(linkTargetAllowed('https://evil.io/', domains).reason).toMatch(/evil\.io/);
  });

  it('compares allowed domains the way it parses hosts', () => {
    expect(linkTargetAllowed('https://shop.taobao.com/', ['TaoBao.COM.'])).toEqual({ allowed: true });
    expect(linkTargetAllowed('https://淘宝.com/', ['xn--pbt173b.com'])).toEqual({ allowed: true });
    expect(linkTargetAllowed('https://xn--pbt173b.com/', ['淘宝.com'])).toEqual({ allowed: true });
  });

  it('ignores allowed-domain entries that are not bare hosts', () => {
    expect(linkTargetAllowed('https://evil.io/', ['evil.io/taobao.com'])).toMatchObject({ allowed: false });
    expect(linkTargetAllowed('https://evil.io/', [''])).toMatchObject({ allowed: false });
  });

  it('allows nothing when the platform has no domains', () =>
    expect(linkTargetAllowed('https://taobao.com/', [])).toMatchObject({ allowed: false }));
});
