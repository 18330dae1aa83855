/** Option checks shared by the stage factories: each throws a TypeError naming the option. */

export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`)
  }
  return value
}

export function byteCount(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!Number.isInteger(value) && value !== Infinity)) {
    throw new TypeError(`${name} must be a whole number of bytes >= 0 or Infinity, got ${String(value)}`)
  }
  return value
}

export function validDate(name: string, value: Date): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(`${name} must be a valid Date, got ${String(value)}`)
  }
  return value
}

export function abortSignal(name: string, value: AbortSignal | undefined): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new TypeError(`${name} must be an AbortSignal`)
  }
  return value
}

/** A list of field names: undefined, or a non-empty array of strings. */
export function fieldList(name: string, value: readonly string[] | undefined): readonly string[] | undefined {
  if (value !== undefined && (!Array.isArray(value) || value.length === 0 || value.some((field) => typeof field !== 'string' || field === ''))) {
    throw new TypeError(`${name} must be a non-empty array of field names, got ${JSON.stringify(value)}`)
  }
  return value
}

/** A callback: undefined, or a function. */
export function callback<T extends (...args: never[]) => unknown>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function, got ${String(value)}`)
  return value
}

/** A wait in milliseconds: above 0, or Infinity. */
export function milliseconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new TypeError(`${name} must be a number of milliseconds > 0 or Infinity, got ${String(value)}`)
  }
  return value > MAX_TIMER ? Infinity : value // setTimeout would fire past its limit at once
}

/** The longest wait a timer can hold (about 24.8 days); a longer one is no timer at all. */
export const MAX_TIMER = 2 ** 31 - 1
