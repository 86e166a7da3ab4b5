import { describe, expect, it } from 'vitest'
import { decodeBody, decodeForm, fromParsedBody, mediaTypeOf, rememberedMediaTypes } from '../src/body.js'
import { RequestError } from '../src/errors.js'
import { quote } from '../src/raw.js'

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

function requestError(run: () => unknown): RequestError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(RequestError)
    return error as RequestError
  }
  throw new Error('expected a RequestError')
}

describe('mediaTypeOf', () => {
  it.each([
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
    ['application/json;charset=UTF-8', 'json'],
    ['application/json; charset="utf-8"', 'json'],
    ['application/json; charset=utf8', 'json'],
    ['application/json; charset="utf8"', 'json'],
    ['application/vnd.x+json', 'json'],
    ['application/vnd.api+json; charset=utf-8', 'json'],
    ['APPLICATION/JSON', 'json'],
    ['Application/Json; Charset=UTF-8', 'json'],
    ['  application/json  ', 'json'],
    ['application/x-www-form-urlencoded', 'form'],
    ['application/x-www-form-urlencoded; charset=utf-8', 'form'],
    ['Application/X-WWW-Form-URLEncoded', 'form'],
    ['application/json; foo=bar', 'json'],
    ['application/json; charset=utf-8; foo=latin1', 'json'],
    ['application/x-www-form-urlencoded; foo', 'form'],
  ] as const)('reads %j as %s', (contentType, media) => {
    expect(mediaTypeOf(contentType)).toBe(media)
  })

  const noType = 'the request has no content type: send application/json or application/x-www-form-urlencoded'
  const notSupported = (type: string): string =>
    `content type "${type}" is not supported: send application/json or application/x-www-form-urlencoded`
  it.each([
    ['a missing header', undefined, noType],
    ['an empty header', '', noType],
    ['a blank header', '  ', notSupported('')],
    ['text/plain', 'text/plain', notSupported('text/plain')],
    ['text/plain; charset=utf-8', 'text/plain; charset=utf-8', notSupported('text/plain')],
    ['text/json', ' Text/JSON ', notSupported('text/json')],
    ['multipart/form-data', 'multipart/form-data; boundary=x', notSupported('multipart/form-data')],
    ['application/octet-stream', 'application/octet-stream', notSupported('application/octet-stream')],
    ['application/jsonx', 'application/jsonx', notSupported('application/jsonx')],
    ['a +json suffix followed by more', 'application/ld+jsonx', notSupported('application/ld+jsonx')],
    ['a +json type after a prefix', 'xapplication/ld+json', notSupported('xapplication/ld+json')],
    ['a bare +json suffix', 'application/+json', notSupported('application/+json')],
    ['charset=latin1', 'application/json; charset=latin1', 'charset "latin1" is not supported: send UTF-8'],
    ['charset=ISO-8859-1 on a form', 'application/x-www-form-urlencoded; charset=ISO-8859-1', 'charset "iso-8859-1" is not supported: send UTF-8'],
    ['charset=utf-16', 'application/json; charset=utf-16', 'charset "utf-16" is not supported: send UTF-8'],
    ['a quoted charset=latin1', 'application/json; charset="latin1"', 'charset "\\"latin1\\"" is not supported: send UTF-8'],
    ['a quote inside the charset', 'application/json; charset=u"tf-8', 'charset "u\\"tf-8" is not supported: send UTF-8'],
    ['a charset without a value', 'application/json; charset', 'charset "" is not supported: send UTF-8'],
  ])('refuses %s with unsupported_media_type (415)', (_label, contentType, message) => {
    const error = requestError(() => mediaTypeOf(contentType))
    expect(error.code).toBe('unsupported_media_type')
    expect(error.status).toBe(415)
    expect(error.message).toBe(message)
  })

  it('remembers at most 16 content types, and reads a remembered one without forgetting the others', () => {
    // Earlier tests filled the memory: new types until it was cleared, then 15 more fill it.
    const types: string[] = []
    for (let i = 0; types.length < 17 && (types.length === 0 || rememberedMediaTypes.size > 1); i++) {
      types.push(`application/json; v=${i}`)
      expect(mediaTypeOf(types.at(-1))).toBe('json')
    }
    expect(rememberedMediaTypes.size).toBe(1)
    for (let i = 0; i < 15; i++) expect(mediaTypeOf(`application/json; w=${i}`)).toBe('json')
    expect(rememberedMediaTypes.size).toBe(16)
    expect(mediaTypeOf('application/json; w=3')).toBe('json')
    expect(rememberedMediaTypes.size).toBe(16)
    expect(mediaTypeOf('application/x-www-form-urlencoded; w=16')).toBe('form')
    expect([...rememberedMediaTypes]).toEqual([['application/x-www-form-urlencoded; w=16', 'form']])
  })

  it('does not remember a refused content type', () => {
    requestError(() => mediaTypeOf('text/plain; v=remembered?'))
    expect(rememberedMediaTypes.has('text/plain; v=remembered?')).toBe(false)
    expect(requestError(() => mediaTypeOf('text/plain; v=remembered?')).status).toBe(415)
  })
})

describe('decodeBody', () => {
  it('decodes a JSON body from bytes and from text', () => {
    const text = '{"event":"stream_create","nonce":7254119327986670314,"room_id":"房间"}'
    const expected = { event: 'stream_create', nonce: '7254119327986670314', room_id: '房间' }
    expect(decodeBody(bytes(text), 'json')).toEqual(expected)
    expect(decodeBody(text, 'json')).toEqual(expected)
  })

  // Plain objects, not null-prototype ones (V8's slow dictionary mode); inherited names stay safe.
  it('gives the decoded object the plain Object prototype', () => {
    expect(Object.getPrototypeOf(decodeBody('{"a":"1"}', 'json'))).toBe(Object.prototype)
    expect(Object.getPrototypeOf(decodeBody('a=1', 'form'))).toBe(Object.prototype)
  })

  it('does not mistake an inherited name for an earlier form value', () => {
    expect(decodeBody('constructor=a&toString=b&toString=c', 'form')).toEqual({ constructor: 'a', toString: ['b', 'c'] })
  })

  it('keeps a form __proto__ key as an own property without changing the prototype', () => {
    const payload = decodeBody('__proto__=x&__proto__=y', 'form')
    expect(Object.getOwnPropertyDescriptor(payload, '__proto__')?.value).toEqual(['x', 'y'])
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype)
  })

  it('skips a UTF-8 byte order mark', () => {
    expect(decodeBody(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes('{"a":"1"}')]), 'json')).toEqual({ a: '1' })
  })

  it.each([
    ['a lone continuation byte', [0x7b, 0x80, 0x7d]],
    ['a truncated sequence', [0x22, 0xe6, 0x88, 0x22]],
    ['an overlong encoding', [0x22, 0xc0, 0xaf, 0x22]],
    ['an encoded surrogate', [0x22, 0xed, 0xa0, 0x80, 0x22]],
    ['a 0xff byte', [0x61, 0x3d, 0xff]],
  ])('refuses invalid UTF-8 (%s) with invalid_body (400)', (_label, body) => {
    for (const media of ['json', 'form'] as const) {
      const error = requestError(() => decodeBody(new Uint8Array(body), media))
      expect(error.code).toBe('invalid_body')
      expect(error.status).toBe(400)
      expect(error.message).toBe('the body is not valid UTF-8')
      expect(error.cause).toBeInstanceOf(TypeError)
    }
  })

  it.each([['[]'], ['[{"a":"1"}]'], ['"text"'], ['42'], ['null'], ['true']])(
    'refuses the JSON non-object body %s with invalid_body',
    (text) => {
      const error = requestError(() => decodeBody(bytes(text), 'json'))
      expect(error.code).toBe('invalid_body')
      expect(error.status).toBe(400)
      expect(error.message).toBe('the JSON body is not an object')
    },
  )

  it.each([['{"a":1,}'], ['{"a":1,"a":2}'], [''], ['{"a":7254119327986670314']])(
    'refuses invalid JSON %j with invalid_body, keeping the SyntaxError as cause',
    (text) => {
      const error = requestError(() => decodeBody(text, 'json'))
      expect(error.code).toBe('invalid_body')
      expect(error.cause).toBeInstanceOf(SyntaxError)
    },
  )

  // A lone surrogate is no Unicode text: an id holding one once answered 500 (the delivery key's
  // encodeURIComponent threw long after decoding); it is a 400 here.
  it.each([
    ['a value', '{"room_id":"\\ud800"}'],
    ['a value of a body with a bare 19-digit nonce', '{"nonce":7254119327986670314,"stream_id":"s\\udc00"}'],
    ['a key', '{"\\udbff":"x"}'],
    ['an array item', '{"rtmp_url":["a","\\ud83d"]}'],
    ['a value, the high half escaped before a letter', '{"user_id":"\\uD83D\\u0041"}'],
  ])('refuses a JSON body with an escaped lone surrogate in %s with invalid_body (400)', (_label, text) => {
    for (const body of [text, bytes(text)]) {
      const error = requestError(() => decodeBody(body, 'json'))
      expect(error.code).toBe('invalid_body')
      expect(error.status).toBe(400)
      expect(error.message).toMatch(/lone surrogate/)
      expect(error.cause).toBeInstanceOf(SyntaxError)
    }
  })

  it.each([
    ['JSON', '{"room_id":"a\ud800"}', 'json'],
    ['form', 'room_id=a\udc00', 'form'],
  ] as const)('refuses a %s text body holding a raw lone surrogate with invalid_body (400)', (_label, text, media) => {
    const error = requestError(() => decodeBody(text, media))
    expect(error.code).toBe('invalid_body')
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/lone surrogate/)
  })

  it('keeps surrogate pairs, escaped or raw', () => {
    expect(decodeBody('{"user_name":"\\ud83d\\ude00","title":"\ud83d\ude00"}', 'json')).toEqual({ user_name: '😀', title: '😀' })
    expect(decodeBody('user_name=%F0%9F%98%80&title=\ud83d\ude00', 'form')).toEqual({ user_name: '😀', title: '😀' })
  })

  it('does not percent-decode JSON values', () => {
    const body = decodeBody('{"room_id":"a%2Fb","url":"rtmp://x/live/a%2Bb","plus":"a+b","list":["%41"]}', 'json')
    expect(body.room_id).toBe('a%2Fb')
    expect(body.url).toBe('rtmp://x/live/a%2Bb')
    expect(body.plus).toBe('a+b')
    expect(body.list).toEqual(['%41'])
  })

  it('accepts a JSON value with a % that is not a valid escape', () => {
    expect(decodeBody('{"room_id":"100%zz"}', 'json').room_id).toBe('100%zz')
  })

  describe('form bodies', () => {
    it('decodes single keys as exact strings', () => {
      expect(decodeBody(bytes('event=stream_create&stream_seq=01&nonce=7254119327986670314'), 'form')).toEqual({
        event: 'stream_create',
        stream_seq: '01',
        nonce: '7254119327986670314',
      })
    })

    it('makes repeated keys an array, in order', () => {
      expect(decodeBody('rtmp_url=a&hls_url=h&rtmp_url=b&rtmp_url=c', 'form')).toEqual({
        rtmp_url: ['a', 'b', 'c'],
        hls_url: 'h',
      })
    })

    it('makes key[] keys an array under the bare key, even with one value', () => {
      expect(decodeBody('rtmp_url[]=a&rtmp_url[]=b&pic_url[]=p', 'form')).toEqual({
        rtmp_url: ['a', 'b'],
        pic_url: ['p'],
      })
    })

    it('makes a percent-encoded key%5B%5D an array too', () => {
      expect(decodeBody('hdl_url%5B%5D=a', 'form')).toEqual({ hdl_url: ['a'] })
    })

    it('merges a plain key with its key[] form', () => {
      expect(decodeBody('u=a&u[]=b', 'form')).toEqual({ u: ['a', 'b'] })
      expect(decodeBody('u[]=a&u=b', 'form')).toEqual({ u: ['a', 'b'] })
    })

    it('decodes + as a space, and %2B as a plus', () => {
      expect(decodeBody('user_name=John+Smith&title=a%2Bb&k+ey=v', 'form')).toEqual({
        user_name: 'John Smith',
        title: 'a+b',
        'k ey': 'v',
      })
    })

    it('percent-decodes form values, %2F and UTF-8 included', () => {
      expect(decodeBody('rtmp_url=rtmp%3A%2F%2Fhost%2Flive%2Fs1&room=%E6%88%BF%E9%97%B4', 'form')).toEqual({
        rtmp_url: 'rtmp://host/live/s1',
        room: '房间',
      })
    })

    it('decodes a key without = as an empty value and skips empty pairs', () => {
      expect(decodeBody('&a&b=&&c=1&', 'form')).toEqual({ a: '', b: '', c: '1' })
      expect(decodeBody('', 'form')).toEqual({})
    })

    it('keeps everything after the first = in the value', () => {
      expect(decodeBody('extra_info=a=b=c', 'form')).toEqual({ extra_info: 'a=b=c' })
    })

    it('makes a __proto__ key an own property', () => {
      const body = decodeBody('__proto__=x&constructor=y', 'form')
      expect(Object.hasOwn(body, '__proto__')).toBe(true)
      expect(body['__proto__']).toBe('x')
      expect(body.constructor).toBe('y')
      expect(({} as Record<string, unknown>).x).toBeUndefined()
    })

    it.each([
      ['a=%zz', '%zz'],
      ['a=%', '%'],
      ['a=%E6%88', '%E6%88'],
      ['%zz=1', '%zz'],
      ['a=100%', '100%'],
      ['a=b+%', 'b+%'],
    ])(
      'refuses the malformed escape in %s with invalid_body',
      (text, part) => {
        const error = requestError(() => decodeBody(text, 'form'))
        expect(error.code).toBe('invalid_body')
        expect(error.status).toBe(400)
        expect(error.message).toBe(`the form body has a malformed escape in ${JSON.stringify(part)}`)
        expect(error.cause).toBeInstanceOf(URIError)
      },
    )

    it('is the same as decodeForm on text', () => {
      const text = 'a=1&b[]=2&a=3'
      expect(decodeBody(text, 'form')).toEqual(decodeForm(text))
    })
  })
})

describe('fromParsedBody', () => {
  it('turns numbers into strings and keeps strings, booleans and null', () => {
    const { payload, lossy } = fromParsedBody({
      appid: 1234567890,
      timestamp: 1687981272,
      close_reason: 0,
      ratio: 1.5,
      negative: -3,
      room_id: 'r1',
      flag: true,
      none: null,
    })
    expect(payload).toEqual({
      appid: '1234567890',
      timestamp: '1687981272',
      close_reason: '0',
      ratio: '1.5',
      negative: '-3',
      room_id: 'r1',
      flag: true,
      none: null,
    })
    expect(lossy).toEqual([])
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype)
  })

  it('reports unsafe integers in lossy by field name', () => {
    const parsed: unknown = JSON.parse(
      '{"nonce":7254119327986670314,"room_session_id":6085791336856668982,"appid":1,"max":9007199254740991}',
    )
    const { payload, lossy } = fromParsedBody(parsed)
    expect(lossy).toEqual(['nonce', 'room_session_id'])
    expect(payload.max).toBe('9007199254740991')
    expect(payload.appid).toBe('1')
  })

  it('names nested lossy fields by their dotted path, arrays by the array field', () => {
    const { lossy } = fromParsedBody({ outer: { inner: 2 ** 60 }, list: [1, 2 ** 54] })
    expect(lossy).toEqual(['outer.inner', 'list'])
  })

  it('renames key[] keys to the bare key', () => {
    const { payload } = fromParsedBody({ 'rtmp_url[]': ['a', 'b'], 'pic_url[]': 'p', room_id: 'r' })
    expect(payload).toEqual({ rtmp_url: ['a', 'b'], pic_url: 'p', room_id: 'r' })
    expect(Object.hasOwn(payload, 'rtmp_url[]')).toBe(false)
  })

  it('keeps nested objects and arrays, converting inside them', () => {
    const { payload } = fromParsedBody({ a: { b: { c: 1, d: ['x', 2, { e: 3 }] } } })
    expect(payload).toEqual({ a: { b: { c: '1', d: ['x', '2', { e: '3' }] } } })
    const a = payload.a
    if (typeof a !== 'object' || a === null || Array.isArray(a)) throw new Error('expected an object')
    expect(Object.getPrototypeOf(a)).toBe(Object.prototype)
  })

  it('keeps arrays nested in arrays, as the JSON parser does', () => {
    const text = '{"list":[[1,"a"],[],[[2]],{"b":[3]}]}'
    const { payload } = fromParsedBody(JSON.parse(text))
    expect(payload).toEqual({ list: [['1', 'a'], [], [['2']], { b: ['3'] }] })
    expect(payload).toEqual(decodeBody(text, 'json'))
  })

  it('drops values that are not JSON (undefined, functions), in objects and in arrays', () => {
    const { payload } = fromParsedBody({ a: undefined, b: () => 1, c: 'kept', list: [undefined, 'x', () => 1, 2n, 'y'] })
    expect(payload).toEqual({ c: 'kept', list: ['x', 'y'] })
    expect(Object.hasOwn(payload, 'a')).toBe(false)
  })

  // As the JSON parser, 16 nested objects or arrays (the top-level object counted); deeper is a 400,
  // as the same text sent raw is.
  const objects = (levels: number, inner: unknown): unknown => (levels === 0 ? inner : { a: objects(levels - 1, inner) })
  const arrays = (levels: number, inner: unknown): unknown => (levels === 0 ? inner : [arrays(levels - 1, inner)])

  it('keeps objects and arrays nested 16 deep', () => {
    expect(fromParsedBody(objects(16, 'x')).payload).toEqual(objects(16, 'x'))
    expect(fromParsedBody({ a: arrays(15, 'x') }).payload).toEqual({ a: arrays(15, 'x') })
    expect(fromParsedBody(objects(8, arrays(8, 'x'))).payload).toEqual(objects(8, arrays(8, 'x')))
  })

  it.each<[string, unknown, string]>([
    ['17 objects', objects(17, 'x'), 'a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a'],
    ['an object holding 16 arrays', { a: arrays(16, 'x') }, 'a'],
    ['8 objects holding 9 arrays', objects(8, arrays(9, 'x')), 'a.a.a.a.a.a.a.a'],
    ['1000 objects', objects(1000, 2 ** 60), 'a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a'],
    ['17 lists, no key on the way', arrays(17, 'x'), ''],
  ])('refuses %s as the JSON parser refuses the same text (400, naming where)', (_name, parsed, path) => {
    const where = path === '' ? '' : ` in ${quote(path)}`
    expect(() => fromParsedBody(parsed)).toThrow(
      expect.objectContaining({ code: 'invalid_body', status: 400, message: `the parsed body nests deeper than 16${where}` }),
    )
    expect(() => decodeBody(JSON.stringify(parsed, (_key, value: unknown) => (typeof value === 'number' ? String(value) : value)), 'json')).toThrow(/nesting deeper than 16/)
  })

  it('copies a __proto__ own key without changing any prototype', () => {
    const parsed: unknown = JSON.parse('{"__proto__":{"polluted":"yes"}}')
    const { payload } = fromParsedBody(parsed)
    expect(Object.hasOwn(payload, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(payload)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it.each([
    ['a value', { room_id: '\ud800' }],
    ['a nested array item', { a: { b: ['ok', 'x\udc00'] } }],
    ['a key', { ['k\ud800']: 'v' }],
    ['a key[] key', { ['u\udfff[]']: ['v'] }],
  ])('refuses a lone surrogate in %s with invalid_body (400)', (_label, parsed) => {
    const error = requestError(() => fromParsedBody(parsed))
    expect(error.code).toBe('invalid_body')
    expect(error.status).toBe(400)
    expect(error.message).toMatch(/lone surrogate/)
  })

  it('keeps surrogate pairs in keys and values', () => {
    expect(fromParsedBody({ user_name: '\ud83d\ude00', '\ud83d\ude00': 'x' }).payload).toEqual({ user_name: '😀', '😀': 'x' })
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', '{"a":1}'],
    ['a number', 42],
    ['a boolean', true],
    ['an array', [{ a: 1 }]],
    ['a function', () => ({})],
  ])('refuses %s with invalid_body', (_label, parsed) => {
    const error = requestError(() => fromParsedBody(parsed))
    expect(error.code).toBe('invalid_body')
    expect(error.status).toBe(400)
    expect(error.message).toBe('the parsed body is not an object')
  })
})
