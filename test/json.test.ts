import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { escapeLength, keyColons, parseJsonByHand, parseJsonNatively, parseLosslessJson } from '../src/json.js'
import { MAX_DEPTH, type RawPayload, type RawValue } from '../src/raw.js'

function asObject(value: RawValue): RawPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`expected an object, got ${JSON.stringify(value)}`)
  }
  return value
}

// Every case holds for the public parser (JSON.parse where it is exact) and for the hand-written
// parser it falls back to; json.property.test.ts compares the two on random text.
const parsers = [
  ['parseLosslessJson', parseLosslessJson],
  ['parseJsonByHand', parseJsonByHand],
] as const

function outcome(run: () => unknown): { value: unknown } | { error: unknown } {
  try {
    return { value: run() }
  } catch (error) {
    return { error }
  }
}

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  throw new Error('expected it to throw')
}

describe.each(parsers)('%s: numbers', (_name, parse) => {
  it('keeps every digit of a bare 19-digit number, as a string', () => {
    const value = asObject(parse('{"nonce":7254119327986670314,"room_seq":6085791336856668982}'))
    expect(value.nonce).toBe('7254119327986670314')
    expect(value.room_seq).toBe('6085791336856668982')
    // What a plain JSON.parse would have made of it.
    expect(String(JSON.parse('7254119327986670314'))).not.toBe('7254119327986670314')
  })

  it('keeps a top-level bare number and an unsigned 64-bit maximum exactly', () => {
    expect(parse('18446744073709551615')).toBe('18446744073709551615')
    expect(parse(' 0 ')).toBe('0')
  })

  it.each([
    ['-42', '-42'],
    ['-7254119327986670314', '-7254119327986670314'],
    ['0.1', '0.1'],
    ['1.50', '1.50'],
    ['-0', '-0'],
    ['-0.0', '-0.0'],
    ['1e21', '1e21'],
    ['1E+2', '1E+2'],
    ['2.5e-3', '2.5e-3'],
    ['123456789012345678901234567890.123456789', '123456789012345678901234567890.123456789'],
  ])('keeps %s as its exact text', (text, expected) => {
    expect(parse(text)).toBe(expected)
    expect(asObject(parse(`{"n":${text}}`)).n).toBe(expected)
    expect(parse(`[${text}]`)).toEqual([expected])
  })

  it('keeps string numbers as they are, leading zeros included', () => {
    expect(asObject(parse('{"stream_seq":"01"}')).stream_seq).toBe('01')
  })
})

describe.each(parsers)('%s: strings', (_name, parse) => {
  it.each([
    ['"plain"', 'plain'],
    ['""', ''],
    ['"a\\"b"', 'a"b'],
    ['"back\\\\slash"', 'back\\slash'],
    ['"a\\/b"', 'a/b'],
    ['"\\b\\f\\n\\r\\t"', '\b\f\n\r\t'],
    ['"\\u00e9t\\u00E9"', 'été'],
    ['"\\ud83d\\ude00"', '😀'],
    ['"été 😀 房间"', 'été 😀 房间'],
    ['"a%2Fb"', 'a%2Fb'],
    ['"ends with escaped backslash\\\\"', 'ends with escaped backslash\\'],
    ['"line\\n two words"', 'line\n two words'],
  ])('decodes %s', (text, expected) => {
    expect(parse(text)).toBe(expected)
  })

  it('decodes escapes in keys', () => {
    const value = asObject(parse('{"a\\u0062c":1,"q\\"k":2}'))
    expect(Object.keys(value)).toEqual(['abc', 'q"k'])
  })

  it('rejects an invalid escape with a SyntaxError', () => {
    expect(() => parse('"\\x41"')).toThrow(SyntaxError)
    expect(() => parse('"\\u12"')).toThrow(SyntaxError)
  })

  // A lone surrogate is no Unicode text: an id holding one once made the delivery key throw (500).
  it.each([
    ['an escaped high surrogate', '"\\ud800"'],
    ['an escaped low surrogate', '"a\\udfffb"'],
    ['a high surrogate escaped before a letter', '"\\uD83D\\u0041"'],
    ['two high surrogates', '"\\ud83d\\ud83d"'],
    ['a low surrogate before a high one', '"\\ude00\\ud83d"'],
    ['an escaped surrogate in a key', '{"\\ud800":"x"}'],
    ['an escaped surrogate deep inside', '{"a":[{"b":"ok"},{"c":"\\udbff"}]}'],
    ['a raw lone surrogate', '{"room_id":"a\ud800b"}'],
    ['a raw lone surrogate in a key', '{"\udc00":"x"}'],
  ])('rejects %s with a SyntaxError', (_label, text) => {
    const error = thrown(() => parse(text))
    expect(error).toBeInstanceOf(SyntaxError)
    expect((error as Error).message).toMatch(/lone surrogate in string at position \d+/)
  })

  it('accepts surrogate pairs, escaped or raw', () => {
    expect(parse('{"a":"\\ud83d\\ude00","b":"\ud83d\ude00","\\uD83D\\uDE00":"c"}')).toEqual({ a: '😀', b: '😀', '😀': 'c' })
  })
})

describe.each(parsers)('%s: structure', (_name, parse) => {
  it('parses nested arrays and objects, literals included', () => {
    const text = '{ "a": [1, "two", [true, false, null], {"b": {"c": []}}], "d": {}, "e": [] }'
    expect(parse(text)).toEqual({
      a: ['1', 'two', [true, false, null], { b: { c: [] } }],
      d: {},
      e: [],
    })
  })

  it('keeps key order and accepts all four JSON whitespace characters', () => {
    const value = asObject(parse('\t{\r\n "z" : 1 ,\n"a":\t2 }\n'))
    expect(Object.keys(value)).toEqual(['z', 'a'])
    expect(value).toEqual({ z: '1', a: '2' })
  })

  // Objects are plain (Object.prototype), not null-prototype: V8 keeps null-prototype objects in
  // slow dictionary mode, which made validating each callback several times slower.
  it('gives every object, nested ones included, the plain Object prototype', () => {
    const value = asObject(parse('{"inner":{"x":"1"},"list":[{"y":"2"}]}'))
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(value.inner)).toBe(Object.prototype)
    const list = value.list
    if (!Array.isArray(list)) throw new Error('expected an array')
    expect(Object.getPrototypeOf(list[0])).toBe(Object.prototype)
  })

  it('keeps toString and hasOwnProperty keys as own data without breaking the object', () => {
    const value = asObject(parse('{"toString":"x","hasOwnProperty":"y"}'))
    expect(Object.hasOwn(value, 'toString')).toBe(true)
    expect(value.toString).toBe('x')
    expect(Object.hasOwn(value, 'hasOwnProperty')).toBe(true)
  })

  it('makes a __proto__ key an own property without changing any prototype', () => {
    const value = asObject(parse('{"__proto__":{"polluted":"yes"},"a":"1"}'))
    expect(Object.hasOwn(value, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 'yes' })
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect((value as Record<string, unknown>).polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('makes a nested __proto__ key an own property too', () => {
    const value = asObject(parse('{"x":{"__proto__":{"polluted":"yes"}}}'))
    const inner = asObject(value.x ?? null)
    expect(Object.hasOwn(inner, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(inner)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('makes a constructor key an ordinary own property', () => {
    const value = asObject(parse('{"constructor":{"prototype":{"polluted":"yes"}}}'))
    expect(Object.hasOwn(value, 'constructor')).toBe(true)
    expect(value.constructor).toEqual({ prototype: { polluted: 'yes' } })
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype.constructor).toBe(Object)
  })

  it.each([
    ['{"a":1,"a":2}'],
    ['{"a":1,"b":2,"a":1}'],
    ['{"a":1,"\\u0061":2}'],
    ['{"__proto__":1,"__proto__":2}'],
    ['{"x":{"k":1,"k":1}}'],
    // A key's colon after whitespace, after a key ending in an escaped backslash, or before a value
    // starting with an escape: the native path's colon count must still see the repeat.
    ['{"a" :1,"a":2}'],
    ['{"a"\n:1,"a":2}'],
    ['{"a"\r:1,"a":2}'],
    ['{"a"\t:1,"a":2}'],
    ['{"k\\\\":"x","b":"y","b":"z"}'],
    ['{"a":"\\n","b":"x","b":"y"}'],
  ])('rejects duplicate keys in %s with a SyntaxError', (text) => {
    const error = thrown(() => parse(text))
    expect(error).toBeInstanceOf(SyntaxError)
    expect((error as Error).message).toMatch(/duplicate key/)
  })

  it('allows the same key in different objects', () => {
    expect(parse('[{"a":1},{"a":2}]')).toEqual([{ a: '1' }, { a: '2' }])
  })
})

describe.each(parsers)('%s: nesting limit', (_name, parse) => {
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)

  it(`accepts nesting up to the default limit of ${MAX_DEPTH}`, () => {
    expect(() => parse(nested(MAX_DEPTH))).not.toThrow()
    expect(() => parse(`${'{"a":'.repeat(MAX_DEPTH - 1)}{}${'}'.repeat(MAX_DEPTH - 1)}`)).not.toThrow()
  })

  it('rejects nesting deeper than the default limit with a SyntaxError', () => {
    const error = thrown(() => parse(nested(MAX_DEPTH + 1)))
    expect(error).toBeInstanceOf(SyntaxError)
    expect((error as Error).message).toMatch(/nesting deeper than/)
    expect(() => parse(`${'{"a":'.repeat(MAX_DEPTH)}{}${'}'.repeat(MAX_DEPTH)}`)).toThrow(SyntaxError)
  })

  it('honours a custom maxDepth', () => {
    expect(parse('{"a":"1"}', 1)).toEqual({ a: '1' })
    expect(() => parse('{"a":[]}', 1)).toThrow(SyntaxError)
    expect(() => parse('[]', 0)).toThrow(SyntaxError)
    expect(parse('"scalar"', 0)).toBe('scalar')
  })

  it('throws a SyntaxError, not a RangeError, for a 100k-deep input', () => {
    for (const text of ['['.repeat(100_000), nested(100_000), '{"a":'.repeat(100_000)]) {
      const error = thrown(() => parse(text))
      expect(error).toBeInstanceOf(SyntaxError)
      expect(error).not.toBeInstanceOf(RangeError)
    }
  })
})

describe.each(parsers)('%s: invalid JSON', (_name, parse) => {
  it.each([
    ['leading zero', '01'],
    ['leading zero in an object', '{"a":01}'],
    ['negative leading zero', '-01'],
    ['trailing comma in an object', '{"a":1,}'],
    ['trailing comma in an array', '[1,]'],
    ['single quotes', "{'a':1}"],
    ['single-quoted value', "{\"a\":'1'}"],
    ['unterminated string', '{"a":"abc'],
    ['unterminated string ending in a backslash', '"abc\\'],
    ['raw newline in a string', '{"a":"line\nbreak"}'],
    ['raw tab in a string', '"a\tb"'],
    ['raw NUL in a string', '"a\u0000b"'],
    ['raw control character in a key', '{"a\u0001":1}'],
    ['NaN', 'NaN'],
    ['NaN as a value', '{"a":NaN}'],
    ['Infinity', '{"a":Infinity}'],
    ['trailing garbage', '{"a":1}x'],
    ['a second value', '{"a":1} {}'],
    ['trailing garbage after a literal', 'truex'],
    ['empty text', ''],
    ['only whitespace', '  \n '],
    ['lone minus', '-'],
    ['lone minus in an array', '[-]'],
    ['plus sign', '+1'],
    ['leading dot', '.5'],
    ['trailing dot', '1.'],
    ['bare exponent', '1e'],
    ['hex number', '0x10'],
    ['unquoted key', '{a:1}'],
    ['missing colon', '{"a" 1}'],
    ['missing comma', '[1 2]'],
    ['leading comma', '[,1]'],
    ['unclosed object', '{"a":1'],
    ['unclosed array', '[1'],
    ['mismatched brackets', '[1}'],
    ['comment', '{"a":1 /* c */}'],
    ['uppercase literal', 'True'],
    ['non-JSON whitespace', '\u00a0{}'],
  ])('rejects %s with a SyntaxError', (_label, text) => {
    expect(() => parse(text)).toThrow(SyntaxError)
  })

  it('names the position in the message', () => {
    expect(() => parse('{"a":1,}')).toThrow(/at position 7/)
  })

  it.each([
    ['{"a"=1}', "expected ':' at position 4"],
    ['{"a" 1}', "expected ':' at position 5"],
    ['"a\tb"', 'control character in string at position 2'],
    ['"a\\n\u0001"', 'control character in string at position 4'],
    ['{"a":"abc', 'unterminated string at position 9'],
    ['"abc\\', 'unterminated string at position 6'],
    ['[-]', 'unexpected token at position 1'],
    ['{"a":}', 'unexpected token at position 5'],
    ['{a:1}', 'expected a key at position 1'],
    ['{"a":1,}', 'expected a key at position 7'],
    ['{"a":1 "b":2}', "expected ',' or '}' at position 7"],
    ['[1 2]', "expected ',' or ']' at position 3"],
    ['{"a":1}x', 'unexpected text after the JSON value at position 7'],
    ['{"a":1,"a":2}', 'duplicate key "a" at position 10'],
    [`{"${'k'.repeat(50)}":1,"${'k'.repeat(50)}":2}`, `duplicate key "${'k'.repeat(40)}..." at position 108`],
    [`${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}`, `nesting deeper than ${MAX_DEPTH} at position ${MAX_DEPTH}`],
    ['{"a":"\\ud800"}', 'lone surrogate in string at position 13'],
  ])('words %j as a SyntaxError: %s', (text, message) => {
    const error = thrown(() => parse(text))
    expect(error).toBeInstanceOf(SyntaxError)
    expect((error as Error).message).toBe(message)
  })
})

const fixtures = new URL('./fixtures/', import.meta.url)
const examples = readdirSync(fixtures)
  .filter((name) => name.endsWith('.json'))
  .map((name) => [name, readFileSync(new URL(name, fixtures), 'utf8')] as const)

// The native path must answer ZEGO's callbacks itself (or the parse is back to the hand parser's
// speed), and leave everything it cannot vouch for to the hand parser.
describe('parseJsonNatively', () => {
  it.each(examples)('parses ZEGO\'s %s natively, as sent and compacted, exactly as the hand parser does', (_name, text) => {
    for (const body of [text, JSON.stringify(JSON.parse(text))]) {
      const value = parseJsonNatively(body)
      expect(value).not.toBeUndefined()
      expect(value).toStrictEqual(parseJsonByHand(body))
    }
  })

  it('gives bare numbers their source text, 64-bit ids included', () => {
    const text = '{"appid":1,"room_session_id":858012925204410400,"nonce" : 7254119327986670314,"n":{"x":-0,"y":1.50,"z":1E+2}}'
    expect(parseJsonNatively(text)).toStrictEqual({
      appid: '1',
      room_session_id: '858012925204410400',
      nonce: '7254119327986670314',
      n: { x: '-0', y: '1.50', z: '1E+2' },
    })
  })

  it.each([
    ['numbers in arrays', '{"a":[1,2.50,-0,[7254119327986670314]],"b":3}'],
    ['colons inside strings before numbers', '{"t":"12 : 5","u":"a\\":1","n":2}'],
    ['a top-level number', ' 1.0e5 '],
    ['a __proto__ key holding a number', '{"__proto__":7254119327986670314,"a":{"__proto__":1}}'],
    ['a top-level string', '"abc"'],
    ['an escape that is no surrogate', '{"a":"\\u00e9"}'],
    ['keys starting with a sign, a space or a symbol', '{"-1":1,"$a":2," b":3}'],
    ['numbers in arrays beside an escape in a string', '{"n":[1],"t":"a\\n5:"}'],
    ['numbers in arrays starting with 9', '[95,9,-9]'],
    ['a number in an array, alone in an object', '{"a":[1]}'],
    ['a string member beside one number in an array', '{"s":"x","n":[1]}'],
    ['a string member beside two numbers in an array', '{"s":"x","n":[1,2]}'],
    ['arrays nested to the limit', `${'['.repeat(MAX_DEPTH)}1${']'.repeat(MAX_DEPTH)}`],
    ['objects nested to the limit', `${'{"a":'.repeat(MAX_DEPTH)}1${'}'.repeat(MAX_DEPTH)}`],
  ])('parses %s natively, exactly', (_label, text) => {
    const value = parseJsonNatively(text)
    expect(value).not.toBeUndefined()
    expect(value).toStrictEqual(parseJsonByHand(text))
  })

  it.each([
    ['invalid JSON', '{"a":1,}'],
    ['a duplicate key', '{"a":"x","b":"y","a":"x"}'],
    ['a duplicate key hidden by a colon in a string', '{"a":"x: y","a":"z"}'],
    ['a duplicate key holding numbers', '{"a":1,"a":2}'],
    ['nesting deeper than the limit', `${'['.repeat(MAX_DEPTH + 1)}${']'.repeat(MAX_DEPTH + 1)}`],
    ['an escaped surrogate', '{"a":"\\ud83d\\ude00"}'],
    ['a raw lone surrogate', '{"a":"\ud800"}'],
    ['a key V8 orders first', '{"b":1,"0":2}'],
    ['a key V8 orders first, starting with 9', '{"b":1,"9":2}'],
  ])('leaves %s to the hand parser', (_label, text) => {
    expect(parseJsonNatively(text)).toBeUndefined()
    expect(outcome(() => parseLosslessJson(text))).toStrictEqual(outcome(() => parseJsonByHand(text)))
  })

  // A text as long as its value written compactly plus its escapes is taken as parsed; one with a
  // repeated key is longer, and must stay longer however much whitespace is added or taken away.
  it.each([
    ['a string member', '{"a":"x","b":"y","a":"x"}'],
    ['a member in a nested object', '{"o":{"a":"x","a":"y"},"p":"q"}'],
    ['an object member in an array', '{"l":[{"a":"x","a":"x"},"z"],"m":[]}'],
    ['a literal member', '{"t":true,"f":false,"n":null,"t":true}'],
    ['an empty object and array member', '{"e":{},"a":[],"e":{}}'],
    ['a member holding an escape', '{"s":"\\"x\\n","s":"\\u0041"}'],
    ['a __proto__ member', '{"__proto__":"x","k":"","__proto__":"y"}'],
    ['an empty key', '{"":"","":""}'],
  ])('leaves a repeated key in %s to the hand parser, with any whitespace', (_label, compact) => {
    for (let spaces = 0; spaces <= 40; spaces++) {
      const text = `{${' '.repeat(spaces)}${compact.slice(1)}`
      expect(parseJsonNatively(text)).toBeUndefined()
      expect(outcome(() => parseLosslessJson(text))).toStrictEqual(outcome(() => parseJsonByHand(text)))
    }
  })

  it.each([
    ['strings, literals and empty containers', '{"a":"","b":"x","t":true,"f":false,"n":null,"o":{},"l":[],"m":[[],{}]}'],
    ['arrays of strings and objects', '{"rtmp_url":["rtmp://a/b","c"],"x":[{"y":"z"},{"w":[true,null]}]}'],
    ['escapes of every length', '{"s":"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9","k\\u0041":"{\\"cid\\":0}"}'],
    ['a __proto__ key', '{"__proto__":{"polluted":"yes"},"a":"b"}'],
  ])('parses compact text with %s natively, exactly', (_label, text) => {
    const value = parseJsonNatively(text)
    expect(value).toStrictEqual(parseJsonByHand(text))
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
  })

  it('honours a custom maxDepth, null and scalars included', () => {
    expect(parseJsonNatively('null', 0)).toBeNull()
    expect(parseJsonNatively('"abc"', 0)).toBe('abc')
    expect(parseJsonNatively('{"a":null,"b":"1","c":true}', 1)).toStrictEqual({ a: null, b: '1', c: true })
    expect(parseJsonNatively('{"a":[]}', 1)).toBeUndefined()
  })
})

describe('escapeLength', () => {
  it.each([
    ['{"a":"b"}', 0],
    ['"\\n"', 1],
    ['"\\""', 1],
    ['"\\\\"', 1],
    ['"\\u0041"', 5],
    // An escaped backslash, then the letter u: one escape of two characters.
    ['"\\\\u0041"', 1],
    ['"\\\\\\\\\\u00e9\\t"', 8],
  ] as const)('finds the escapes in %j %i characters longer than what they stand for', (text, length) => {
    expect(escapeLength(text)).toBe(length)
    if (text.startsWith('"')) expect(text.length - escapeLength(text)).toBe((JSON.parse(text) as string).length + 2)
  })
})

// The native path's first pass: one native search for colons, no copy of the text. ZEGO's callbacks
// must be answered by it alone, or every callback pays for the skeleton pass as well.
describe('keyColons', () => {
  const countKeys = (value: unknown): number =>
    typeof value !== 'object' || value === null
      ? 0
      : Object.entries(value).reduce((sum, [, item]) => sum + countKeys(item), Array.isArray(value) ? 0 : Object.keys(value).length)

  // The source texts of `parsed`'s numbers in walk (document) order, read from the same place in `byHand`.
  const numberTexts = (parsed: unknown, byHand: unknown): unknown[] =>
    typeof parsed === 'number'
      ? [byHand]
      : typeof parsed !== 'object' || parsed === null
        ? []
        : Object.entries(parsed).flatMap(([key, item]) => numberTexts(item, (byHand as Record<string, unknown>)[key]))

  it.each(examples)("counts exactly the keys of ZEGO's %s and finds its numbers, as sent and compacted", (_name, text) => {
    for (const body of [text, JSON.stringify(JSON.parse(text))]) {
      const numbers: string[] = []
      expect(keyColons(body, numbers)).toBe(countKeys(JSON.parse(body)))
      expect(numbers).toEqual(numberTexts(JSON.parse(body), parseJsonByHand(body)))
    }
  })

  it.each([
    ['{}', 0, []],
    ['[1,2]', 0, []],
    ['{"a":1,"b":"x","c":-2.5e3}', 3, ['1', '-2.5e3']],
    ['{"z":0,"n":9,"m":-1,"l":[7],"o":{"p":"q"}}', 6, ['0', '9', '-1']],
    // Whitespace of all four kinds before and after a key's colon.
    ['{"a" : 1,"b"\t:\n2,"c"\r:\r\n3}', 3, ['1', '2', '3']],
    // An upper bound: a colon after a space inside a string counts, with the number after it.
    ['{"t":"12 : 5"}', 2, ['5']],
    // Colons that must be text: after an escaped quote, after a letter, before '/' or '\'.
    ['{"u":"a\\":1"}', 1, []],
    ['{"u":"a:1"}', 1, []],
    ['{"u":"a :/","v":"b :\\n"}', 2, []],
    // A key ending in an escaped backslash, and a value starting with an escape.
    ['{"k\\\\":1}', 1, ['1']],
    ['{"a":"\\n","b":"c"}', 2, []],
  ] as const)('counts the colons of %j as %i, with numbers %j', (text, count, expected) => {
    const numbers: string[] = []
    expect(keyColons(text, numbers)).toBe(count)
    expect(numbers).toEqual(expected)
  })
})
