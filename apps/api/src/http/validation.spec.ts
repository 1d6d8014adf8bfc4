import 'reflect-metadata';
import { BadRequestException, type ArgumentMetadata } from '@nestjs/common';
import { LinkCheckQueryDto } from '../queries/link-permissions.dto';
import { ApiValidationPipe } from './validation';

const query: ArgumentMetadata = { type: 'query', metatype: LinkCheckQueryDto };
const valid = {
  advertiserId: '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
  platform: 'taobao',
  category: 'beauty',
  url: 'https://item.taobao.com/item.htm?id=42',
};

describe('ApiValidationPipe', () => {
  const pipe = new ApiValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

  it('given a query it found valid, when asked again, then it answers a fresh instance with the same values', async () => {
    const first = await pipe.transform({ ...valid }, query);
    const again = await pipe.transform({ ...valid }, query);

    expect(again).toBeInstanceOf(LinkCheckQueryDto);
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    (again as LinkCheckQueryDto).url = 'changed by a controller';
    expect(await pipe.transform({ ...valid }, query)).toEqual(first);
  });

  it.each([
    ['an unknown parameter', { ...valid, extra: '1' }],
    ['a bad advertiser id', { ...valid, advertiserId: 'nope' }],
    ['a control character in the URL', { ...valid, url: 'https://item.taobao.com/\u0000' }],
    ['a missing field', { advertiserId: valid.advertiserId, platform: 'taobao', category: 'beauty' }],
  ])('given a remembered valid query, when one with %s comes, then it is still refused', async (_, bad) => {
    await pipe.transform({ ...valid }, query);
    await expect(pipe.transform(bad, query)).rejects.toBeInstanceOf(BadRequestException);
    await expect(pipe.transform(bad, query)).rejects.toBeInstanceOf(BadRequestException);
  });

  it.each([
    ['a NUL in a query field its DTO leaves free', { type: 'query', metatype: Object }, { q: 'a\u0000b' }, 'q'],
    [
      'a lone surrogate in a repeated query field',
      { type: 'query', metatype: Object },
      { tag: ['ok', '\ud800'] },
      'tag[1]',
    ],
    ['a NUL in a path parameter', { type: 'param', metatype: String, data: 'campaignId' }, 'a\u0000', 'campaignId'],
  ] as const)('given %s, then it is refused naming the parameter', async (_, metadata, value, field) => {
    const refused = await pipe.transform(value, metadata as ArgumentMetadata).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadRequestException);
    expect(JSON.stringify((refused as BadRequestException).getResponse())).toContain(field);
  });

  it('lets line feeds through in a body, where prose may hold them', async () => {
    const body = { reason: 'first line\nsecond' };
    expect(await pipe.transform(body, { type: 'body', metatype: Object })).toEqual(body);
  });
});
