import { describe, expect, it } from 'vitest'
import { getOwn, isRawPayload, quote, rawObject, setOwn, type RawValue } from '../src/raw.js'

describe('setOwn', () => {
  // A __proto__ key must be the same kind of property any other key becomes: later code may
  // overwrite it, delete it, and see it in Object.keys.
  it.each(['__proto__', 'room_id', 'toString'])('makes %s an own, writable, enumerable, configurable data property', (key) => {
    const object = rawObject()
    setOwn(object, key, 'first')
    expect(Object.getOwnPropertyDescriptor(object, key)).toEqual({ value: 'first', writable: true, enumerable: true, configurable: true })
    setOwn(object, key, 'second')
    expect(Object.getOwnPropertyDescriptor(object, key)?.value).toBe('second')
    expect(Object.keys(object)).toEqual([key])
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype)
  })

  it('changes no prototype when the value of a __proto__ key is an object', () => {
    const object = rawObject()
    setOwn(object, '__proto__', { polluted: 'yes' })
    expect(Object.getPrototypeOf(object)).toBe(Object.prototype)
    expect((object as Record<string, unknown>).polluted).toBeUndefined()
  })
})

describe('getOwn and isRawPayload', () => {
  it('reads own properties only', () => {
    const object = rawObject()
    setOwn(object, 'a', '1')
    expect(getOwn(object, 'a')).toBe('1')
    expect(getOwn(object, 'toString')).toBeUndefined()
    expect(getOwn(object, 'constructor')).toBeUndefined()
  })

  it.each<[RawValue | undefined, boolean]>([
    [{}, true],
    [{ a: '1' }, true],
    [[], false],
    [null, false],
    ['x', false],
    [true, false],
    [undefined, false],
  ])('%j is a payload object: %s', (value, expected) => {
    expect(isRawPayload(value)).toBe(expected)
  })
})

describe('quote', () => {
  it.each([
    ['', '""'],
    ['a"b', '"a\\"b"'],
    ['x'.repeat(40), `"${'x'.repeat(40)}"`],
    ['x'.repeat(41), `"${'x'.repeat(40)}..."`],
    [`${'y'.repeat(40)}tail that is cut`, `"${'y'.repeat(40)}..."`],
  ])('quotes %j as %s, cut to 40 characters', (text, expected) => {
    expect(quote(text)).toBe(expected)
  })
})
